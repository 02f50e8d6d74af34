package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// answer is one scripted answer of a fake Kickoff.
type answer struct {
	status int
	final  string // X-Kickoff-Pipeline-Final; "" leaves it out
	body   string
}

// TestTriggerCallRetriesAndRepolls: a transient failure is retried and a
// pipeline that is not final yet is asked for again, every call with the
// same Idempotency-Key and a wait; a refusal ends the command at once.
func TestTriggerCallRetriesAndRepolls(t *testing.T) {
	const created = `{"id":7,"iid":1,"status":"running","web_url":"http://k/g/p/-/pipelines/1"}`
	const done = `{"id":7,"iid":1,"status":"success","web_url":"http://k/g/p/-/pipelines/1"}`
	tests := []struct {
		name     string
		answers  []answer
		wantErr  string // "" for success
		wantCall int
	}{
		{"retried, then re-polled until final", []answer{
			{http.StatusBadGateway, "", "<html>bad gateway</html>"},
			{http.StatusCreated, "false", created},
			{http.StatusCreated, "true", done},
		}, "", 3},
		{"a rate limit is waited out", []answer{
			{http.StatusTooManyRequests, "", `{"message":"Too many pipelines created in the last minute. Try again later."}`},
			{http.StatusCreated, "true", done},
		}, "", 2},
		{"refused at once", []answer{
			{http.StatusNotFound, "", `{"message":"404 Not Found"}`},
		}, "refused the trigger: 404", 1},
		{"a 200 that is no pipeline", []answer{
			{http.StatusOK, "", `<html>login</html>`},
		}, "not a pipeline", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			var keys, waits []string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				defer mu.Unlock()
				body, _ := io.ReadAll(r.Body)
				keys = append(keys, r.Header.Get("Idempotency-Key"))
				if i := strings.Index(string(body), "wait="); i >= 0 {
					waits = append(waits, string(body[i:]))
				}
				a := tt.answers[min(len(keys)-1, len(tt.answers)-1)]
				if a.final != "" {
					w.Header().Set("X-Kickoff-Pipeline-Final", a.final)
				}
				if a.status == http.StatusTooManyRequests {
					w.Header().Set("Retry-After", "1")
				}
				w.WriteHeader(a.status)
				io.WriteString(w, a.body)
			}))
			defer srv.Close()
			c := &triggerCall{target: srv.URL, form: map[string][]string{"ref": {"main"}}, idempotencyKey: "k-1", log: io.Discard}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			announced := 0
			p, err := c.run(ctx, true, 5*time.Second, func(*triggeredPipeline) { announced++ })
			switch {
			case tt.wantErr == "" && (err != nil || p.Status != "success" || announced != 1):
				t.Fatalf("run = %+v, %v (announced %d times); want success, announced once", p, err, announced)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("run = %v, want an error about %q", err, tt.wantErr)
			}
			if len(keys) != tt.wantCall {
				t.Fatalf("%d calls, want %d", len(keys), tt.wantCall)
			}
			for i := range keys {
				if keys[i] != "k-1" || !strings.HasPrefix(waits[i], "wait=") {
					t.Fatalf("call %d: key %q, %q; want the same key and a wait every time", i, keys[i], waits[i])
				}
			}
		})
	}
}
