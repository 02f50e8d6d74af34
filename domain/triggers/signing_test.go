package triggers_test

import (
	"testing"

	"github.com/kickoff-ci/kickoff/domain/triggers"
)

// TestSignMatchesOpenSSL: the signature the README's recipe computes with
// `printf '%s' "$ts.$body" | openssl dgst -sha256 -hmac "$secret"` is the
// one Kickoff expects.
func TestSignMatchesOpenSSL(t *testing.T) {
	const want = "sha256=de82e96347373cf7944b39954548f0c2d60c1b8741fcaf8abfed1db2e4cfcae0"
	if got := triggers.Sign("kos_example", "1733337600", []byte(`{"ref":"main"}`)); got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
}
