package server_test

// The trigger-token REST API's GitLab pagination.

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/database/dbtest"
)

// TestTriggerRESTPagination checks GitLab's page/per_page parameters and
// pagination headers; revoked and expired triggers are neither listed nor
// counted.
func TestTriggerRESTPagination(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		f := trgSetup(t, db)
		var ids []int
		for i := range 5 {
			tr, _ := f.trgCreate(t, []string{"alice", "bob"}[i%2], fmt.Sprintf("trigger %d", i))
			ids = append(ids, tr.ID)
		}
		revoked, _ := f.trgCreate(t, "alice", "revoked")
		if _, err := f.set.Triggers.Revoke(trgAs(f.users["alice"]), revoked.ID); err != nil {
			t.Fatal(err)
		}
		expired, _ := f.trgCreate(t, "alice", "expired")
		if err := db.Client.PipelineTrigger.UpdateOneID(expired.ID).SetExpiresAt(time.Now().Add(-time.Second)).Exec(context.Background()); err != nil {
			t.Fatal(err)
		}

		base := trgPath(url.PathEscape(trgProjectPath), "")
		for _, tc := range []struct {
			query                     string
			want                      []int
			page, perPage, next, prev string
			totalPages                string
			links                     []string // rel=page
		}{
			{"", ids, "1", "20", "", "", "1", []string{"first=1", "last=1"}},
			{"?per_page=2", ids[:2], "1", "2", "2", "", "3", []string{"next=2", "first=1", "last=3"}},
			{"?page=2&per_page=2", ids[2:4], "2", "2", "3", "1", "3", []string{"prev=1", "next=3", "first=1", "last=3"}},
			{"?page=3&per_page=2", ids[4:], "3", "2", "", "2", "3", []string{"prev=2", "first=1", "last=3"}},
			{"?page=4&per_page=2", []int{}, "4", "2", "", "3", "3", []string{"prev=3", "first=1", "last=3"}},
			{"?per_page=1000", ids, "1", "100", "", "", "1", []string{"first=1", "last=1"}},
			{"?per_page=5", ids, "1", "5", "", "", "1", []string{"first=1", "last=1"}},
		} {
			t.Run(tc.query, func(t *testing.T) {
				res := f.trgREST(t, "carol", http.MethodGet, base+tc.query, trgBody{})
				if got := trgIDs(trgWantList(t, res)); !slices.Equal(got, tc.want) {
					t.Errorf("ids = %v, want %v", got, tc.want)
				}
				for name, want := range map[string]string{
					"X-Total": "5", "X-Total-Pages": tc.totalPages, "X-Page": tc.page, "X-Per-Page": tc.perPage,
					"X-Next-Page": tc.next, "X-Prev-Page": tc.prev,
				} {
					if got, ok := res.header[name]; !ok || got[0] != want {
						t.Errorf("%s = %q, want %q", name, got, want)
					}
				}
				var rels []string
				for _, l := range trgLinks(t, res.header.Get("Link")) {
					if l.url.EscapedPath() != base {
						t.Errorf("Link %s points to %s, want %s", l.rel, l.url.EscapedPath(), base)
					}
					if l.url.Query().Get("per_page") != tc.perPage {
						t.Errorf("Link %s has per_page %q", l.rel, l.url.Query().Get("per_page"))
					}
					rels = append(rels, l.rel+"="+l.url.Query().Get("page"))
				}
				if !slices.Equal(rels, tc.links) {
					t.Errorf("Link rels = %v, want %v", rels, tc.links)
				}
			})
		}

		t.Run("following Link rel=next visits every trigger once", func(t *testing.T) {
			var seen []int
			next := base + "?per_page=2"
			for range 10 {
				res := f.trgREST(t, "alice", http.MethodGet, next, trgBody{})
				seen = append(seen, trgIDs(trgWantList(t, res))...)
				next = ""
				for _, l := range trgLinks(t, res.header.Get("Link")) {
					if l.rel == "next" {
						next = l.url.RequestURI()
					}
				}
				if next == "" {
					break
				}
			}
			if !slices.Equal(seen, ids) {
				t.Errorf("visited %v, want %v", seen, ids)
			}
		})
	})
}

type trgLink struct {
	rel string
	url *url.URL
}

// trgLinks parses an RFC 8288 Link header of the form GitLab sends.
func trgLinks(t *testing.T, header string) []trgLink {
	t.Helper()
	var out []trgLink
	for part := range strings.SplitSeq(header, ",") {
		m := regexp.MustCompile(`^\s*<([^>]+)>;\s*rel="(\w+)"\s*$`).FindStringSubmatch(part)
		if m == nil {
			t.Fatalf("Link %q: cannot parse %q", header, part)
		}
		u, err := url.Parse(m[1])
		if err != nil || !u.IsAbs() {
			t.Fatalf("Link %q: bad URL %q", header, m[1])
		}
		out = append(out, trgLink{m[2], u})
	}
	return out
}
