package database_test

import (
	"context"
	"errors"
	"os"
	"testing"

	"entgo.io/ent/dialect"

	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/database/dbtest"
)

// TestWithTxLostConnection: a transaction whose connection breaks runs again
// when it certainly did not commit, and is not run again when its COMMIT
// reached the server and only the answer was lost.
func TestWithTxLostConnection(t *testing.T) {
	if os.Getenv(dbtest.PostgresURLEnv) == "" {
		t.Skipf("needs PostgreSQL: set %s", dbtest.PostgresURLEnv)
	}
	direct := dbtest.Open(t, dialect.Postgres)
	if _, err := direct.SQL.Exec(`CREATE TABLE retry_probe (name text NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	errOwn := errors.New("fn's own failure")
	for _, c := range []struct {
		name     string
		marker   string // the client message the connection breaks at
		forward  bool   // whether the server gets that message
		readOnly bool   // fn reads instead of inserting
		fail     error  // what fn returns
		runs     int
		rows     int
		wantErr  error
		trips    int
	}{
		{name: "lost before a statement", marker: "INSERT INTO retry_probe", runs: 2, rows: 1, trips: 1},
		{name: "lost before COMMIT arrived", marker: "COMMIT\x00", runs: 2, rows: 1, trips: 1},
		{name: "COMMIT arrived, answer lost", marker: "COMMIT\x00", forward: true, runs: 1, rows: 1, trips: 1},
		{name: "read-only, COMMIT's answer lost", marker: "COMMIT\x00", readOnly: true, runs: 1, trips: 1},
		{name: "fn fails", marker: "never sent", fail: errOwn, runs: 1, wantErr: errOwn},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := dbtest.NewFault(t, direct.DataSource(), c.marker, c.forward)
			f.Arm(1)
			db, err := database.Open(context.Background(), database.Config{URL: f.URL})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			runs := 0
			err = database.WithTx(context.Background(), db.Client, func(ctx context.Context, tc *ent.Client) error {
				runs++
				query := `INSERT INTO retry_probe (name) VALUES ($1)`
				if c.readOnly {
					query = `SELECT count(*) FROM retry_probe WHERE name = $1`
				}
				if _, err := tc.ExecContext(ctx, query, c.name); err != nil {
					return err
				}
				return c.fail
			})
			if !errors.Is(err, c.wantErr) {
				t.Errorf("WithTx = %v, want %v", err, c.wantErr)
			}
			var rows int
			if err := direct.SQL.QueryRow(`SELECT count(*) FROM retry_probe WHERE name = $1`, c.name).Scan(&rows); err != nil {
				t.Fatal(err)
			}
			if runs != c.runs || rows != c.rows || f.Tripped() != c.trips {
				t.Errorf("fn ran %d times, %d rows, %d connections broken; want %d, %d, %d",
					runs, rows, f.Tripped(), c.runs, c.rows, c.trips)
			}
		})
	}
}
