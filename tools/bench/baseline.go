package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"time"

	"entgo.io/ent/dialect"
)

// The baselines are what a hand-written service would do for the same
// request on the same pool: what Kickoff costs beyond them is its own.

// createBaselineTable makes the scratch table the trigger baseline inserts
// into, and returns the INSERT … RETURNING it runs.
func createBaselineTable(ctx context.Context, db *sql.DB, dialectName string) (string, error) {
	ddl := `CREATE TABLE IF NOT EXISTS bench_baseline (id bigserial PRIMARY KEY, ref text NOT NULL, token_prefix text NOT NULL, created_at timestamptz NOT NULL)`
	insert := `INSERT INTO bench_baseline (ref, token_prefix, created_at) VALUES ($1, $2, $3) RETURNING id`
	if dialectName == dialect.SQLite {
		ddl = `CREATE TABLE IF NOT EXISTS bench_baseline (id INTEGER PRIMARY KEY, ref TEXT NOT NULL, token_prefix TEXT NOT NULL, created_at DATETIME NOT NULL)`
		insert = `INSERT INTO bench_baseline (ref, token_prefix, created_at) VALUES (?, ?, ?) RETURNING id`
	}
	_, err := db.ExecContext(ctx, ddl)
	return insert, err
}

// triggerBaseline is a bare net/http handler doing one INSERT … RETURNING id
// per request and answering 201 with a small JSON body.
func triggerBaseline(db *sql.DB, insert string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, `{"error":"bad form"}`, http.StatusBadRequest)
			return
		}
		token, ref := r.PostForm.Get("token"), r.PostForm.Get("ref")
		if token == "" || ref == "" {
			http.Error(w, `{"error":"token or ref is missing"}`, http.StatusBadRequest)
			return
		}
		var id int64
		if err := db.QueryRowContext(r.Context(), insert, ref, token[:min(8, len(token))], time.Now().UTC()).Scan(&id); err != nil {
			http.Error(w, `{"error":"insert failed"}`, http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(map[string]any{"id": id, "ref": ref, "status": "created"})
	})
}

// dashboardQuery is the hand-written equivalent of the GraphQL dashboard
// query: the same fields in one JOINed SELECT, newest iid first.
const dashboardQuery = `SELECT p.iid, p.status, p.ref, p.source, p.created_at, o.username, u.username
FROM pipelines p
JOIN projects pr ON pr.id = p.project_id
LEFT JOIN pipeline_triggers t ON t.id = p.trigger_id
LEFT JOIN users o ON o.id = t.owner_id
LEFT JOIN users u ON u.id = p.user_id
WHERE pr.full_path = $1
ORDER BY p.iid DESC
LIMIT 100`

type baselineUser struct {
	Username string `json:"username"`
}

type baselineTrigger struct {
	Owner *baselineUser `json:"owner"`
}

type baselinePipeline struct {
	IID       int64            `json:"iid"`
	Status    string           `json:"status"`
	Ref       string           `json:"ref"`
	Source    string           `json:"source"`
	CreatedAt time.Time        `json:"createdAt"`
	Trigger   *baselineTrigger `json:"trigger"`
	User      *baselineUser    `json:"user"`
}

// dashboardBaseline answers GET ?project=<fullPath> with the dashboard
// query's JSON shape, from one SELECT and encoding/json. It checks no
// credentials: that part of Kickoff's cost is counted against it.
func dashboardBaseline(db *sql.DB) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rows, err := db.QueryContext(r.Context(), dashboardQuery, r.URL.Query().Get("project"))
		if err != nil {
			http.Error(w, `{"error":"query failed"}`, http.StatusInternalServerError)
			return
		}
		defer rows.Close()
		nodes := make([]baselinePipeline, 0, 100)
		for rows.Next() {
			var (
				p            baselinePipeline
				owner, uname sql.NullString
			)
			if err := rows.Scan(&p.IID, &p.Status, &p.Ref, &p.Source, &p.CreatedAt, &owner, &uname); err != nil {
				http.Error(w, `{"error":"scan failed"}`, http.StatusInternalServerError)
				return
			}
			if owner.Valid {
				p.Trigger = &baselineTrigger{Owner: &baselineUser{Username: owner.String}}
			}
			if uname.Valid {
				p.User = &baselineUser{Username: uname.String}
			}
			nodes = append(nodes, p)
		}
		if err := rows.Err(); err != nil {
			http.Error(w, `{"error":"query failed"}`, http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"data": map[string]any{"project": map[string]any{"pipelines": map[string]any{"nodes": nodes}}},
		})
	})
}
