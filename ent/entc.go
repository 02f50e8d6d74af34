//go:build ignore

// entc generates the ent client and the GraphQL schema of the data model.
// Run it from the module root (go generate ./ at the root does): paths are
// relative to the root so gqlgen.yml and graph/ are found.
package main

import (
	"fmt"
	"log"
	"os"
	"strings"
	"text/template"

	"entgo.io/contrib/entgql"
	"entgo.io/ent/entc"
	"entgo.io/ent/entc/gen"
)

func main() {
	ext, err := entgql.NewExtension(
		entgql.WithSchemaGenerator(),
		entgql.WithSchemaPath("graph/ent.graphql"),
		entgql.WithConfigPath("gqlgen.yml"),
		entgql.WithWhereInputs(true),
	)
	if err != nil {
		log.Fatalf("creating entgql extension: %v", err)
	}
	globalID := gen.MustParse(gen.NewTemplate("globalid").
		Funcs(template.FuncMap{"isNode": isNode}).
		ParseFiles("./ent/template/globalid.tmpl"))
	// Each table has its own ID sequence, as GitLab's REST API shows them;
	// GraphQL's IDs carry the type instead (ent/template/globalid.tmpl).
	err = entc.Generate("./ent/schema", &gen.Config{
		Target:    "./ent",
		Package:   "github.com/kickoff-ci/kickoff/ent",
		Templates: []*gen.Template{globalID},
		Features: []gen.Feature{
			gen.FeatureVersionedMigration,
			gen.FeatureUpsert,
			gen.FeatureLock,
			gen.FeatureExecQuery,
			gen.FeatureModifier,
		},
	}, entc.Extensions(ext))
	if err != nil {
		log.Fatalf("running ent codegen: %v", err)
	}
	if err := patchNodesField("./ent/gql_pagination.go"); err != nil {
		log.Fatalf("patching gql_pagination.go: %v", err)
	}
}

// isNode tells whether t is a GraphQL type (not skipped by entgql).
func isNode(t *gen.Type) (bool, error) {
	ann := &entgql.Annotation{}
	if raw, ok := t.Annotations[ann.Name()]; ok {
		if err := ann.Decode(raw); err != nil {
			return false, fmt.Errorf("decoding %s's entgql annotation: %w", t.Name, err)
		}
	}
	return ann.Skip&entgql.SkipType == 0, nil
}

// entgql only knows Relay's edges { node { … } }; GitLab's clients select a
// connection's nodes { … } instead. Without this patch, a query selecting
// only nodes would fetch nothing (entgql skips loading when edges is not
// selected) and would not eager-load the nodes' edges. The patch teaches
// entgql's one field-lookup function that "edges", "node" may be spelled
// "nodes"; graph/connections.graphql declares the field.
func patchNodesField(path string) error {
	const from = `walk:
	for _, name := range path {
		for _, f := range graphql.CollectFields(oc, field.Selections, nil) {
			if f.Alias == name {
				field = f
				continue walk
			}
		}
		return nil
	}
	return &field
}`
	const to = `walk:
	for i := 0; i < len(path); i++ {
		fields := graphql.CollectFields(oc, field.Selections, nil)
		for _, f := range fields {
			if f.Alias == path[i] {
				field = f
				continue walk
			}
		}
		// Kickoff: a connection's "nodes" stands for "edges { node }".
		if path[i] == edgesField {
			for _, f := range fields {
				if f.Name == "nodes" {
					field = f
					if i+1 < len(path) && path[i+1] == nodeField {
						i++
					}
					continue walk
				}
			}
		}
		return nil
	}
	return &field
}`
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	src := string(b)
	if !strings.Contains(src, from) {
		return fmt.Errorf("entgql's collectedField changed; update the nodes patch in ent/entc.go")
	}
	return os.WriteFile(path, []byte(strings.Replace(src, from, to, 1)), 0o644)
}
