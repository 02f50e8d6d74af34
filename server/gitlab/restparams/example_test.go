package restparams_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/kickoff-ci/kickoff/server/gitlab/restparams"
)

// A trigger handler reads token, ref and variables, and maps every error in
// one place.
func ExampleParse() {
	handler := func(w http.ResponseWriter, r *http.Request) {
		p, err := restparams.Parse(r, restparams.DefaultMaxBody)
		if err == nil {
			_, err = p.Variables()
		}
		var perr *restparams.Error
		if errors.As(err, &perr) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(perr.Status)
			json.NewEncoder(w).Encode(perr.Body)
			return
		}
		ref, _ := p.String("ref")
		vars, _ := p.Variables()
		payload, _ := p.Payload("token")
		fmt.Fprintf(w, "ref=%s vars=%v payload=%s\n", ref, vars, payload)
	}

	for _, req := range []struct{ contentType, body string }{
		{"application/x-www-form-urlencoded", "token=T&ref=main&variables[DEPLOY]=yes"},
		{"application/json", `{"ref":"main","variables":{"DEPLOY":true}}`},
		{"application/json", `{"ref":`},
	} {
		r := httptest.NewRequest(http.MethodPost, "/api/v4/projects/1/trigger/pipeline?token=T", strings.NewReader(req.body))
		r.Header.Set("Content-Type", req.contentType)
		w := httptest.NewRecorder()
		handler(w, r)
		fmt.Print(w.Code, " ", w.Body.String())
	}
	// Output:
	// 200 ref=main vars=map[DEPLOY:yes] payload={"ref":"main","variables":{"DEPLOY":"yes"}}
	// 400 {"message":"variables needs to be a map of key-valued strings"}
	// 400 {"error":"body is not valid JSON"}
}
