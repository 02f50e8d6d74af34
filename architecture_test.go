package kickoff_test

import (
	"bufio"
	"bytes"
	"fmt"
	"os/exec"
	"strings"
	"testing"
)

// The import rule of docs/architecture.md: imports run one way,
//
//	cmd → services → server → graph → domain → internal → ent, migrations → kickoff
//
// where kickoff, the root package, is the vocabulary every layer shares
// (error codes, access levels, statuses; ent stores them as Go types) and
// imports nothing of ours.
//
// A package may import its own layer and the layers after it, never one
// before it; nothing imports cmd or tools, and only they import services, the
// composition root that builds the domain services and hands them to the
// adapters (server, graph) as values.

const module = "github.com/kickoff-ci/kickoff"

// layers, most dependent first. A package belongs to the first entry whose
// path it is or lies under ("" is the module root itself only).
var layers = []struct {
	path  string
	layer int
}{
	{"cmd", 9}, {"tools", 9},
	{"services", 8},
	{"server", 7},
	{"graph", 6},
	{"frontend", 5}, // the embedded web app: imports nothing of ours
	{"domain", 4},
	{"internal", 3},
	{"ent", 2}, {"migrations", 2},
	{"", 1},
}

// layerOf returns a package's layer, or 0 for a package outside the module.
func layerOf(pkg string) (int, string) {
	rel, ok := strings.CutPrefix(pkg, module)
	if !ok || (rel != "" && rel[0] != '/') {
		return 0, ""
	}
	rel = strings.TrimPrefix(rel, "/")
	for _, l := range layers {
		if rel == l.path || (l.path != "" && strings.HasPrefix(rel, l.path+"/")) {
			return l.layer, l.path
		}
	}
	return -1, rel
}

// checkImport says why from may not import to, or returns nil.
func checkImport(from, to string) error {
	fl, fname := layerOf(from)
	tl, tname := layerOf(to)
	switch {
	case tl == 0: // the standard library or another module
		return nil
	case fl < 0 || tl < 0:
		return fmt.Errorf("%s → %s: a package outside every layer (add it to the table in architecture_test.go and docs/architecture.md)", from, to)
	case tname == "cmd" || tname == "tools":
		return fmt.Errorf("%s → %s: nothing imports a command", from, to)
	case tname == "services" && fname != "services" && fname != "cmd" && fname != "tools":
		return fmt.Errorf("%s → %s: only commands import the composition root; take the services you need as values", from, to)
	case tl > fl:
		return fmt.Errorf("%s (%s) → %s (%s): imports run cmd → services → server → graph → domain → internal → ent → kickoff", from, name(fname), to, name(tname))
	}
	return nil
}

func name(layer string) string {
	if layer == "" {
		return "the root package"
	}
	return layer
}

func TestImportRuleTable(t *testing.T) {
	tests := []struct {
		from, to string
		allowed  bool
	}{
		{"cmd/kickoff", "server", true},
		{"cmd/kickoff", "services", true},
		{"tools/bench", "services", true},
		{"services", "server", true},
		{"services", "graph", true},
		{"services/servicestest", "services", true},
		{"server", "graph", true},
		{"server", "server/gitlab", true},
		{"server/gitlab", "domain/triggers", true},
		{"server/gitlab", "server/httpjson", true},
		{"server/gitlab", "internal/ratelimit", true},
		{"graph", "domain/triggers", true},
		{"domain/pipelines", "domain/triggers", true},
		{"domain/audit", "", true},
		{"ent", "", true},
		{"internal/database", "", true},
		{"domain/identity", "internal/sessionjwt", true},
		{"internal/sessionjwt", "internal/keyring", true},
		{"internal/database", "ent", true},
		{"graph", "server", false},
		{"domain/triggers", "graph", false},
		{"domain/triggers", "services", false},
		{"server", "services", false},
		{"server/gitlab", "services", false},
		{"graph", "services", false},
		{"internal/tokens", "domain/audit", false},
		{"", "domain/authz", false},
		{"", "ent", false},
		{"ent", "internal/database", false},
		{"server", "cmd/kickoff", false},
		{"tools/bench", "tools/migrationgen", false},
		{"domain/newthing", "nowhere/pkg", false},
	}
	for _, tt := range tests {
		from, to := module+"/"+tt.from, module+"/"+tt.to
		err := checkImport(strings.TrimSuffix(from, "/"), strings.TrimSuffix(to, "/"))
		if (err == nil) != tt.allowed {
			t.Errorf("%q → %q: error %v, want allowed=%v", tt.from, tt.to, err, tt.allowed)
		}
	}
}

// TestImportRule checks every package's imports (tests aside: a test may
// import a helper of any layer it sits above).
func TestImportRule(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, module+"/...").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	packages := 0
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		packages++
		for _, imp := range fields[1:] {
			if err := checkImport(fields[0], imp); err != nil {
				t.Error(err)
			}
		}
	}
	if packages < 20 {
		t.Fatalf("go list named %d packages; the check did not run", packages)
	}
}
