package graph

import (
	"bufio"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/validator/rules"
)

// TestGraphQLCostOfWebAppDocuments prices every document the web app sends
// (frontend/src/graphql/generated/gql.ts), with every page-size variable at
// its maximum of 100, against the signed-in limit.
func TestGraphQLCostOfWebAppDocuments(t *testing.T) {
	f, err := os.Open("../frontend/src/graphql/generated/gql.ts")
	if err != nil {
		t.Skip("no web app sources:", err)
	}
	defer f.Close()
	schema := NewExecutableSchema(Config{}).Schema()
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, `"`) {
			continue
		}
		end := strings.Index(line, `": `)
		if end < 0 {
			continue
		}
		var doc string
		if err := json.Unmarshal([]byte(line[:end+1]), &doc); err != nil || seen[doc] {
			continue
		}
		seen[doc] = true
		query, errs := gqlparser.LoadQueryWithRules(schema, doc, rules.NewDefaultRules())
		if errs != nil {
			t.Fatalf("%v\n%s", errs, doc)
		}
		for _, op := range query.Operations {
			oc := &graphql.OperationContext{Operation: op, Variables: map[string]any{"first": 100, "last": 100}}
			cost, gerr := operationCost(oc, MaxComplexity)
			if gerr != nil || cost > MaxComplexity {
				t.Errorf("%s costs %.1f (%v), over %d", op.Name, cost, gerr, MaxComplexity)
			} else {
				t.Logf("%s costs %.1f", op.Name, cost)
			}
		}
	}
	if len(seen) == 0 {
		t.Fatal("no documents found")
	}
}
