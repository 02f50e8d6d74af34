package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/ent/pipeline"
	"github.com/kickoff-ci/kickoff/graph"
	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/database/dbtest"
)

// TestEdgesAuthorizeLikeNode walks the GraphQL schema itself: from every
// object a viewer can see, it follows every field that returns an object, a
// list of objects or a connection, and checks that everything reached is
// something node(id:) shows the same viewer, that nothing of the other
// project is ever reached, and that totalCount agrees with the items. New
// types and fields are covered without editing this test; a new field with
// a required argument needs a value in edgeArgValues.
func TestEdgesAuthorizeLikeNode(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		e := newAuthEnv(t, db)
		w := edgeSetup(t, e)
		for _, level := range []string{"REPORTER", "DEVELOPER", "MAINTAINER"} {
			t.Run(strings.ToLower(level), func(t *testing.T) {
				u := e.createUser(t, "edge-"+strings.ToLower(level), false)
				_, pat := e.createPAT(t, u)
				w.gql(t, w.setup, fmt.Sprintf(`mutation { projectMemberAdd(input: {projectPath: "edge/a", username: %q, accessLevel: %s}) { errors } }`, u.Username, level))
				w.walk(t, map[string]string{"PRIVATE-TOKEN": pat}, u.ID)
			})
		}
	})
}

type edgeWorld struct {
	e      *authEnv
	db     *database.DB
	schema *ast.Schema
	setup  map[string]string
	// hidden holds the IDs of project B's objects.
	hidden map[string]bool
}

// edgeSetup makes projects edge/a and edge/b, each with a trigger, a runner
// and pipelines, plus the cross-project links job tokens create: a pipeline
// of A whose upstream is in B, one of B whose upstream is in A, and (as
// hostile data) a pipeline of A naming B's trigger.
func edgeSetup(t *testing.T, e *authEnv) *edgeWorld {
	t.Helper()
	ctx := context.Background()
	owner := e.createUser(t, "edge-owner", false)
	_, pat := e.createPAT(t, owner)
	w := &edgeWorld{e: e, db: e.db, schema: graph.NewExecutableSchema(graph.Config{}).Schema(),
		setup: map[string]string{"PRIVATE-TOKEN": pat}, hidden: map[string]bool{}}
	projectIDs := map[string]int{}
	triggerIDs := map[string]int{}
	pipelineIDs := map[string]int{}
	for _, name := range []string{"a", "b"} {
		path := "edge/" + name
		d := w.gql(t, w.setup, fmt.Sprintf(`mutation { projectCreate(input: {name: %q, path: %q}) { project { id } errors } }`, name, path))
		projectIDs[name] = rowID(t, edgeString(d, "projectCreate", "project", "id"))
		d = w.gql(t, w.setup, fmt.Sprintf(`mutation { pipelineTriggerCreate(input: {projectPath: %q, description: "t"}) { pipelineTrigger { id token } errors } }`, path))
		triggerIDs[name] = rowID(t, edgeString(d, "pipelineTriggerCreate", "pipelineTrigger", "id"))
		token := edgeString(d, "pipelineTriggerCreate", "pipelineTrigger", "token")
		w.gql(t, w.setup, fmt.Sprintf(`mutation { runnerCreate(input: {projectPath: %q, description: "r"}) { token errors } }`, path))
		w.gql(t, w.setup, fmt.Sprintf(`mutation { webhookCreate(input: {projectPath: %q, url: "https://hooks.example.com/"}) { webhook { id } errors } }`, path))
		d = w.gql(t, w.setup, fmt.Sprintf(`mutation { pipelineCreate(input: {projectPath: %q, ref: "main", variables: [{key: "K", value: "v"}]}) { pipeline { id } errors } }`, path))
		pipelineIDs[name] = rowID(t, edgeString(d, "pipelineCreate", "pipeline", "id"))
		res := e.send(t, http.MethodPost, "/api/v4/projects/"+strconv.Itoa(projectIDs[name])+"/trigger/pipeline",
			url.Values{"token": {token}, "ref": {"main"}}.Encode(), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
		if res.status != http.StatusCreated {
			t.Fatalf("triggering in %s: %d %s", path, res.status, res.body)
		}
	}
	link := func(project string, iid int, upstream int, trigger *int) {
		t.Helper()
		c := e.db.Client.Pipeline.Create().SetProjectID(projectIDs[project]).SetIid(iid).SetRef("main").
			SetSource(pipeline.SourcePipeline).SetUpstreamID(upstream).SetUserID(owner.ID).SetNillableTriggerID(trigger)
		if _, err := c.Save(ctx); err != nil {
			t.Fatal(err)
		}
	}
	link("a", 1000, pipelineIDs["b"], nil)
	link("b", 1000, pipelineIDs["a"], nil)
	bTrigger := triggerIDs["b"]
	link("a", 1001, pipelineIDs["a"], &bTrigger)
	// A's job token allowlist names B, so A's scope lists a project its
	// Maintainers may not see.
	w.gql(t, w.setup, `mutation { ciJobTokenScopeAddProject(input: {projectPath: "edge/a", targetProjectPath: "edge/b"}) { errors } }`)

	// Everything that belongs to project B, by global ID.
	b := projectIDs["b"]
	for _, n := range edgeAllNodes(t, e.db.Client) {
		if id, project := edgeProjectOf(n); project == b {
			w.hidden[strconv.Itoa(id)] = true
		}
	}
	if len(w.hidden) < 8 {
		t.Fatalf("project B has only %d objects; the setup is broken", len(w.hidden))
	}
	return w
}

// walk follows every object-returning field from the root Query and from
// every object reached, until nothing new turns up.
func (w *edgeWorld) walk(t *testing.T, viewer map[string]string, viewerID int) {
	t.Helper()
	seen := map[string]bool{}
	queue := w.reachFrom(t, viewer, "Query", "")
	fields := 0
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		if seen[id] {
			continue
		}
		seen[id] = true
		if w.hidden[id] {
			t.Errorf("reached object %s of project B", id)
			continue
		}
		typ := w.nodeType(t, viewer, id)
		if typ == "" {
			t.Errorf("reached object %s, which node(id:) hides from the same viewer", id)
			continue
		}
		fields++
		queue = append(queue, w.reachFrom(t, viewer, typ, id)...)
	}
	if len(seen) < 10 {
		t.Fatalf("walked only %d objects; the walk is broken", len(seen))
	}
	t.Logf("walked %d objects of %d hidden", len(seen), len(w.hidden))
}

// nodeType is the __typename node(id:) answers for the viewer, or "".
func (w *edgeWorld) nodeType(t *testing.T, viewer map[string]string, id string) string {
	t.Helper()
	d := w.gql(t, viewer, fmt.Sprintf(`{ node(id: %q) { __typename } }`, id))
	n, _ := d["node"].(map[string]any)
	s, _ := n["__typename"].(string)
	return s
}

// reachFrom queries every object-returning field of typ (on node id, or the
// root Query when id is empty) and returns the IDs of the objects reached.
func (w *edgeWorld) reachFrom(t *testing.T, viewer map[string]string, typ, id string) []string {
	t.Helper()
	def := w.schema.Types[typ]
	var reached []string
	for _, f := range def.Fields {
		sel, ok := w.selection(t, typ, f)
		if !ok {
			continue
		}
		q := "{ " + sel + " }"
		if id != "" {
			q = fmt.Sprintf(`{ node(id: %q) { ... on %s { %s } } }`, id, typ, sel)
		}
		res := w.e.graphQL(t, q, viewer)
		var body struct {
			Data   map[string]any
			Errors []struct {
				Message    string
				Extensions struct{ Code string }
			}
		}
		if err := json.Unmarshal([]byte(res.body), &body); err != nil {
			t.Fatalf("%s.%s: %d %s", typ, f.Name, res.status, res.body)
		}
		for _, e := range body.Errors {
			switch e.Extensions.Code {
			case "FORBIDDEN", "NOT_FOUND", "UNAUTHENTICATED":
			default:
				t.Errorf("%s.%s: unexpected error %s: %s", typ, f.Name, e.Extensions.Code, e.Message)
			}
		}
		reached = append(reached, edgeCollect(t, typ+"."+f.Name, body.Data)...)
	}
	return reached
}

// edgeArgValues fills required arguments the walk cannot guess.
var edgeArgValues = map[string]string{
	"Query.project.fullPath": `"edge/a"`,
	"Project.pipeline.iid":   `"1"`,
}

// selection is the GraphQL selection for field f of typ, or false when f
// returns no object (or is node/nodes, the reference the walk compares with).
func (w *edgeWorld) selection(t *testing.T, typ string, f *ast.FieldDefinition) (string, bool) {
	t.Helper()
	if strings.HasPrefix(f.Name, "__") || (typ == "Query" && (f.Name == "node" || f.Name == "nodes")) {
		return "", false
	}
	target := w.schema.Types[f.Type.Name()]
	if target == nil || (target.Kind != ast.Object && target.Kind != ast.Interface) {
		return "", false
	}
	var args []string
	for _, a := range f.Arguments {
		if v, ok := edgeArgValues[typ+"."+f.Name+"."+a.Name]; ok {
			args = append(args, a.Name+": "+v)
		} else if a.Type.NonNull && a.DefaultValue == nil {
			t.Fatalf("%s.%s needs argument %s: add a value to edgeArgValues", typ, f.Name, a.Name)
		}
	}
	if strings.HasSuffix(target.Name, "Connection") {
		args = append(args, "first: 100")
	}
	head := f.Name
	if len(args) > 0 {
		head += "(" + strings.Join(args, ", ") + ")"
	}
	return head + " { " + w.objectSelection(target) + " }", true
}

// objectSelection selects what identifies objects of def: the ID of a node,
// a connection's items and totalCount, or the Node fields of other objects.
func (w *edgeWorld) objectSelection(def *ast.Definition) string {
	if strings.HasSuffix(def.Name, "Connection") {
		return "totalCount nodes { __typename ... on Node { id } } edges { node { __typename ... on Node { id } } }"
	}
	sel := []string{"__typename"}
	node := def.Name == "Node" || slices.Contains(def.Interfaces, "Node")
	if node {
		sel = append(sel, "... on Node { id }")
	}
	for _, f := range def.Fields {
		target := w.schema.Types[f.Type.Name()]
		if target == nil || target.Kind != ast.Object || def.Name == "PageInfo" {
			continue
		}
		switch {
		case !node && strings.HasSuffix(target.Name, "Connection") && !edgeNeedsArgs(f):
			// The walk never visits a plain object by ID, so its connections
			// (CiJobTokenScope.inboundAllowlist) are followed from here.
			sel = append(sel, f.Name+"(first: 100) { "+w.objectSelection(target)+" }")
		case len(f.Arguments) == 0 && slices.Contains(target.Interfaces, "Node"):
			sel = append(sel, f.Name+" { __typename ... on Node { id } }")
		}
	}
	return strings.Join(sel, " ")
}

// edgeNeedsArgs reports whether f has a required argument besides first.
func edgeNeedsArgs(f *ast.FieldDefinition) bool {
	for _, a := range f.Arguments {
		if a.Type.NonNull && a.DefaultValue == nil {
			return true
		}
	}
	return false
}

// edgeCollect returns every "id" in data, checking each connection's
// totalCount against its items on the way.
func edgeCollect(t *testing.T, where string, data any) []string {
	t.Helper()
	var ids []string
	switch v := data.(type) {
	case map[string]any:
		if id, ok := v["id"].(string); ok {
			ids = append(ids, id)
		}
		if total, ok := v["totalCount"].(float64); ok {
			if nodes, ok := v["nodes"].([]any); ok && total <= 100 && int(total) != len(nodes) {
				t.Errorf("%s: totalCount %v but %d items", where, total, len(nodes))
			}
		}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			ids = append(ids, edgeCollect(t, where, v[k])...)
		}
	case []any:
		for _, x := range v {
			ids = append(ids, edgeCollect(t, where, x)...)
		}
	}
	return ids
}

// gql runs a query that must not fail and returns its data.
func (w *edgeWorld) gql(t *testing.T, headers map[string]string, query string) map[string]any {
	t.Helper()
	res := w.e.graphQL(t, query, headers)
	var body struct {
		Data   map[string]any
		Errors []any
	}
	if err := json.Unmarshal([]byte(res.body), &body); err != nil || len(body.Errors) > 0 || strings.Contains(res.body, `"errors":["`) {
		t.Fatalf("%s: %d %s", query, res.status, res.body)
	}
	return body.Data
}

func edgeString(d map[string]any, path ...string) string {
	var v any = d
	for _, p := range path {
		m, _ := v.(map[string]any)
		v = m[p]
	}
	s, _ := v.(string)
	return s
}

// edgeAllNodes loads every row of every GraphQL node type, unfiltered.
func edgeAllNodes(t *testing.T, c *ent.Client) []ent.Noder {
	t.Helper()
	ctx := context.Background()
	var out []ent.Noder
	add := func(err error, ns ...ent.Noder) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, ns...)
	}
	ps, err := c.Pipeline.Query().All(ctx)
	add(err, edgeNoders(ps)...)
	ts, err := c.PipelineTrigger.Query().All(ctx)
	add(err, edgeNoders(ts)...)
	rs, err := c.Ref.Query().All(ctx)
	add(err, edgeNoders(rs)...)
	ms, err := c.ProjectMember.Query().All(ctx)
	add(err, edgeNoders(ms)...)
	us, err := c.Runner.Query().All(ctx)
	add(err, edgeNoders(us)...)
	as, err := c.AuditEvent.Query().All(ctx)
	add(err, edgeNoders(as)...)
	prs, err := c.Project.Query().All(ctx)
	add(err, edgeNoders(prs)...)
	return out
}

func edgeNoders[T ent.Noder](xs []T) []ent.Noder {
	out := make([]ent.Noder, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

// edgeProjectOf is a node's ID and the project it belongs to (0 for none).
func edgeProjectOf(n ent.Noder) (id, project int) {
	switch n := n.(type) {
	case *ent.Project:
		return n.ID, n.ID
	case *ent.Pipeline:
		return n.ID, n.ProjectID
	case *ent.PipelineTrigger:
		return n.ID, n.ProjectID
	case *ent.Ref:
		return n.ID, n.ProjectID
	case *ent.ProjectMember:
		return n.ID, n.ProjectID
	case *ent.Runner:
		if n.ProjectID != nil {
			return n.ID, *n.ProjectID
		}
		return n.ID, 0
	case *ent.AuditEvent:
		if n.ProjectID != nil {
			return n.ID, *n.ProjectID
		}
		return n.ID, 0
	}
	return 0, 0
}
