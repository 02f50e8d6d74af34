package tokens

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestRedactText(t *testing.T) {
	tok := "kot_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"
	tests := []struct{ name, in, want string }{
		{"empty", "", ""},
		{"plain text", "invalid username or password", "invalid username or password"},
		{"underscores without a prefix", "snake_case_name and x_kot", "snake_case_name and x_kot"},
		{"bare prefix", "kot_", "kot_"},
		{"prefix and short form only", "kot_AbCd", "kot_AbCd"},
		{"one character past the short form", "kot_AbCdE", "kot_AbCd…"},
		{"whole token", tok, "kot_AbCd…"},
		{"every kind", "kop_1234567890 kor_abcdefgh koj_ZZZZZZZZZ", "kop_1234… kor_abcd… koj_ZZZZ…"},
		{"unknown prefix", "kox_AbCdEfGhIjKl", "kox_AbCdEfGhIjKl"},
		{"upper-case prefix is not a token", "KOT_AbCdEfGhIjKl", "KOT_AbCdEfGhIjKl"},
		{"truncated", "Reference not found: kot_AbCdEfGhIj", "Reference not found: kot_AbCd…"},
		{"inside a word", "xxkot_AbCdEfGhIj", "xxkot_AbCd…"},
		{"in a URL path", "/api/v4/projects/1/ref/" + tok + "/trigger/pipeline", "/api/v4/projects/1/ref/kot_AbCd…/trigger/pipeline"},
		{"in a query string", "?token=" + tok + "&ref=main", "?token=kot_AbCd…&ref=main"},
		{"in JSON", `{"username":"` + tok + `"}`, `{"username":"kot_AbCd…"}`},
		{"as a variable", "variables[DEPLOY]=" + tok, "variables[DEPLOY]=kot_AbCd…"},
		{"two tokens", tok + "," + tok, "kot_AbCd…,kot_AbCd…"},
		{"a prefix ending the previous secret", "kop_aaaaaaakot_bbbbbbbb", "kop_aaaa…_bbbb…"},
		{"non-alphabet ends the secret", "kot_AbCdEf-GhIj", "kot_AbCd…-GhIj"},
		{"around multi-byte text", "日本kot_AbCdEfGh語", "日本kot_AbCd…語"},
		{"invalid UTF-8 elsewhere is kept", "\xffkot_AbCdEfGh\xfe", "\xffkot_AbCd…\xfe"},
		{"already redacted", "kot_AbCd…", "kot_AbCd…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := RedactText(tt.in); got != tt.want {
				t.Errorf("RedactText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestRedactTextNewTokens(t *testing.T) {
	for _, k := range allKinds {
		tok := mustNew(t, k)
		if got, want := RedactText("a "+tok+" b"), "a "+tok[:RedactLen]+RedactedMark+" b"; got != want {
			t.Errorf("RedactText(%s token) = %q, want %q", k, got, want)
		}
	}
}

func TestRedactTextDoesNotAllocateOnCleanText(t *testing.T) {
	s := "GET /api/v4/projects/1/trigger/pipeline status=201 user_agent=curl/8"
	if n := testing.AllocsPerRun(100, func() { RedactText(s) }); n != 0 {
		t.Errorf("RedactText allocates %v times on text without a token", n)
	}
}

// secretWindow is the shortest run of a secret the fuzz test looks for.
const secretWindow = 12

// tokenShapes returns the secret part (past prefix and short form) of every
// token shape in s, and s with those shapes blanked out. It is a second,
// independent reading of the rule RedactText implements.
func tokenShapes(s string) (secrets []string, rest string) {
	blank := []byte(s)
	for i := 0; i+PrefixLen <= len(s); i++ {
		if kindOf(s[i:]) == 0 {
			continue
		}
		end := i + PrefixLen
		for end < len(s) && strings.IndexByte(alphabet, s[end]) >= 0 {
			end++
		}
		if end-i-PrefixLen <= ShortLen {
			continue
		}
		secrets = append(secrets, s[i+PrefixLen+ShortLen:end])
		for j := i + PrefixLen; j < end; j++ {
			blank[j] = '_'
		}
	}
	return secrets, string(blank)
}

func FuzzRedactText(f *testing.F) {
	for _, k := range allKinds {
		tok := mustNew(f, k)
		f.Add(tok)
		f.Add(`{"username":"` + tok + `","password":"` + tok[:20] + `"}`)
		f.Add("/api/v4/projects/1/ref/" + tok + "/trigger/pipeline?token=" + tok)
	}
	f.Add("")
	f.Add("kot_")
	f.Add("kop_aaaaaaakot_bbbbbbbbbbbbbbbbbbbb")
	f.Add("variables[X]=koj_0123456789abcdefghij&ref=kor_ABCDEFGHIJKLMNOP")
	f.Add("\xff\x00kop_日本語kot_abcdefghijklmnopq")
	f.Fuzz(func(t *testing.T, s string) {
		out := RedactText(s)
		secrets, rest := tokenShapes(s)
		if len(secrets) == 0 && out != s {
			t.Fatalf("RedactText(%q) = %q changes text without a token shape", s, out)
		}
		for _, secret := range secrets {
			for i := 0; i+secretWindow <= len(secret); i++ {
				// A run that also stands outside every token shape in
				// the input is not the token's to hide.
				if w := secret[i : i+secretWindow]; strings.Contains(out, w) && !strings.Contains(rest, w) {
					t.Fatalf("RedactText(%q) = %q keeps the secret run %q", s, out, w)
				}
			}
		}
		if again := RedactText(out); again != out {
			t.Fatalf("RedactText is not idempotent: %q → %q → %q", s, out, again)
		}
		if utf8.ValidString(s) && !utf8.ValidString(out) {
			t.Fatalf("RedactText(%q) = %q is not valid UTF-8", s, out)
		}
	})
}

func TestRedactingReplaceAttr(t *testing.T) {
	tok := "kop_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"
	for _, newHandler := range []func(*bytes.Buffer, *slog.HandlerOptions) slog.Handler{
		func(b *bytes.Buffer, o *slog.HandlerOptions) slog.Handler { return slog.NewTextHandler(b, o) },
		func(b *bytes.Buffer, o *slog.HandlerOptions) slog.Handler { return slog.NewJSONHandler(b, o) },
	} {
		var buf bytes.Buffer
		log := slog.New(newHandler(&buf, &slog.HandlerOptions{ReplaceAttr: RedactingReplaceAttr}))
		log.With("preset", tok).WithGroup("req").Info("sign-in as "+tok,
			"path", "/ref/"+tok, "err", errors.New("user "+tok+" not found"),
			"count", 3, "plain", errors.New("plain error"))
		out := buf.String()
		if strings.Contains(out, tok[RedactLen:RedactLen+secretWindow]) {
			t.Errorf("log keeps the token: %s", out)
		}
		for _, want := range []string{"sign-in as kop_AbCd…", "/ref/kop_AbCd…", "user kop_AbCd… not found", "plain error", "3"} {
			if !strings.Contains(out, want) {
				t.Errorf("log lacks %q: %s", want, out)
			}
		}
		if strings.Count(out, "kop_AbCd…") != 4 {
			t.Errorf("want 4 redacted tokens (message, preset, path, err): %s", out)
		}
	}
}
