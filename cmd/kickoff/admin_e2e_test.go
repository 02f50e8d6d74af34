package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

var patLine = regexp.MustCompile(`^kop_[0-9A-Za-z]{38}\n$`)

// TestAdminTokenWorksWithGraphQL is the acceptance test: create a user
// and a token on the command line, then use the token with curl.
func TestAdminTokenWorksWithGraphQL(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, d string) {
		in := newInstance(t, d)
		in.runOK(t, "", in.with("migrate", "up")...)
		const password = "correct horse battery"
		created := in.runOK(t, password+"\r\n", in.with("admin", "user", "create",
			"--username", "Alice", "--email", "alice@example.com", "--name", "Alice A.", "--password-stdin", "--admin")...)
		if !regexp.MustCompile(`^created user alice \(id \d+\)\n$`).MatchString(created.stdout) {
			t.Errorf("admin user create stdout = %q", created.stdout)
		}
		tok := in.runOK(t, "", in.with("admin", "token", "create", "--username", "alice", "--name", "ci", "--expires-in", "720h")...)
		if !patLine.MatchString(tok.stdout) {
			t.Fatalf("admin token create stdout = %q, want exactly one kop_ token line", tok.stdout)
		}
		token := strings.TrimSuffix(tok.stdout, "\n")
		if strings.Contains(tok.stderr, token) {
			t.Errorf("the token leaked to stderr: %q", tok.stderr)
		}

		s := in.startServe(t)
		s.waitReady(t)
		if got := currentUserWithCurl(t, s.addr, token); got != "alice" {
			t.Errorf("currentUser with the token = %q, want alice", got)
		}
		if code := signIn(t, s.addr, "alice", password); code != http.StatusOK {
			t.Errorf("signing in with the --password-stdin password: status %d, want 200", code)
		}
		// An operator resets the password while the server runs.
		const newPassword = "battery staple horse"
		set := in.runOK(t, newPassword+"\n", in.with("admin", "user", "set-password", "--username", "alice", "--password-stdin")...)
		if !strings.Contains(set.stdout, "set the password of alice") {
			t.Errorf("admin user set-password stdout = %q", set.stdout)
		}
		if code := signIn(t, s.addr, "alice", password); code != http.StatusUnauthorized {
			t.Errorf("signing in with the old password: status %d, want 401", code)
		}
		if code := signIn(t, s.addr, "alice", newPassword); code != http.StatusOK {
			t.Errorf("signing in with the new password: status %d, want 200", code)
		}
		if strings.Contains(s.logs.String(), token) {
			t.Errorf("the token appears in the server log")
		}
		s.stop(t)
	})
}

// currentUserWithCurl runs the curl command and returns
// currentUser.username ("" for null).
func currentUserWithCurl(t *testing.T, addr, token string) string {
	t.Helper()
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl is not installed")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, curl, "-s",
		"-H", "PRIVATE-TOKEN: "+token,
		"-H", "Content-Type: application/json",
		"-d", `{"query":"{currentUser{username}}"}`,
		"http://"+addr+"/api/graphql").Output()
	if err != nil {
		t.Fatalf("curl: %v", err)
	}
	var resp struct {
		Data struct {
			CurrentUser *struct{ Username string }
		}
		Errors []struct{ Message string }
	}
	if err := json.Unmarshal(out, &resp); err != nil || len(resp.Errors) > 0 {
		t.Fatalf("GraphQL answer %s (decoding: %v)", out, err)
	}
	if resp.Data.CurrentUser == nil {
		return ""
	}
	return resp.Data.CurrentUser.Username
}

// signIn posts a web sign-in and returns the status code.
func signIn(t *testing.T, addr, username, password string) int {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"username": username, "password": password})
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Post("http://"+addr+"/api/session", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatalf("POST /api/session: %v", err)
	}
	defer resp.Body.Close()
	return resp.StatusCode
}

func TestAdminCommandsRejectBadInput(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, d string) {
		in := newInstance(t, d)
		in.runOK(t, "", in.with("migrate", "up")...)
		in.runOK(t, "", in.with("admin", "user", "create", "--username", "bob", "--email", "bob@example.com", "--password", "bob-password")...)

		userCreate := func(args ...string) []string {
			return append([]string{"admin", "user", "create", "--username", "carol", "--email", "carol@example.com"}, args...)
		}
		tokenCreate := func(args ...string) []string {
			return append([]string{"admin", "token", "create", "--username", "bob"}, args...)
		}
		cases := []struct {
			name, stdin string
			args        []string
			want        string
		}{
			{"token for unknown user", "", []string{"admin", "token", "create", "--username", "nobody", "--name", "ci"}, `user "nobody" not found`},
			{"token without name", "", tokenCreate(), `Required flag "name" not set`},
			{"token with unparsable expiry", "", tokenCreate("--name", "ci", "--expires-in", "soon"), `invalid value "soon" for flag -expires-in`},
			{"token with negative expiry", "", tokenCreate("--name", "ci", "--expires-in", "-1h"), "--expires-in must be a positive duration"},
			{"token with zero expiry", "", tokenCreate("--name", "ci", "--expires-in", "0s"), "--expires-in must be a positive duration"},
			{"user with both password options", "carol-password\n", userCreate("--password", "carol-password", "--password-stdin"), "either --password or --password-stdin, not both"},
			{"user without password", "", userCreate(), "a password is required"},
			{"user with empty stdin", "", userCreate("--password-stdin"), "standard input is empty"},
			{"user with short password", "", userCreate("--password", "short"), "password must be at least 8 characters"},
			{"user with taken username", "", []string{"admin", "user", "create", "--username", "BOB", "--email", "other@example.com", "--password", "bob-password"}, "username or email is already taken"},
			{"user with invalid username", "", []string{"admin", "user", "create", "--username", "bad name", "--email", "x@example.com", "--password", "long-enough"}, "username must be"},
			{"set-password for unknown user", "", []string{"admin", "user", "set-password", "--username", "nobody", "--password", "long-enough"}, `user "nobody" not found`},
			{"set-password too short", "", []string{"admin", "user", "set-password", "--username", "bob", "--password", "short"}, "password must be at least 8 characters"},
			{"set-password without password", "", []string{"admin", "user", "set-password", "--username", "bob"}, "a password is required"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				expectFailure(t, in.run(t, tc.stdin, in.with(tc.args...)...), tc.want)
			})
		}
	})
}

func TestAdminCommandsRefuseUnmigratedDatabase(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, d string) {
		in := newInstance(t, d)
		const want = "database is not migrated: run `kickoff migrate up` (or start `kickoff serve` once)"
		expectFailure(t, in.run(t, "", in.with("admin", "user", "create",
			"--username", "dave", "--email", "dave@example.com", "--password", "dave-password")...), want)
		expectFailure(t, in.run(t, "", in.with("admin", "token", "create", "--username", "dave", "--name", "ci")...), want)
	})
}

// expectFailure checks a command exited 1 with want on stderr, nothing on stdout.
func expectFailure(t *testing.T, r result, want string) {
	t.Helper()
	if r.code != 1 || r.stdout != "" || !strings.Contains(r.stderr, want) {
		t.Errorf("want exit 1, empty stdout and %q on stderr; got %s", want, r)
	}
}
