package server_test

import (
	"strconv"
	"strings"
	"testing"
)

// rowID reads the row ID out of a GraphQL global ID, gid://kickoff/<Type>/<id>,
// as REST and the database know the object.
func rowID(t testing.TB, gid string) int {
	t.Helper()
	rest, ok := strings.CutPrefix(gid, "gid://kickoff/")
	i := strings.LastIndex(rest, "/")
	n, err := strconv.Atoi(rest[i+1:])
	if !ok || i <= 0 || err != nil || n <= 0 {
		t.Fatalf("%q is not a global ID gid://kickoff/<Type>/<id>", gid)
	}
	return n
}

// globalID is the GraphQL ID of the row id of typ.
func globalID(typ string, id int) string { return "gid://kickoff/" + typ + "/" + strconv.Itoa(id) }
