package triggers

import (
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/internal/keyring"
)

// FuzzCheckSignature: whatever headers and body a caller sends, the check
// never panics, refuses with ErrSignature unless the signature is right,
// and accepts the right one.
func FuzzCheckSignature(f *testing.F) {
	kr, err := keyring.New("triggers-fuzz-secret-triggers-fuzz-secret")
	if err != nil {
		f.Fatal(err)
	}
	s := &Service{keys: kr}
	trig := &ent.PipelineTrigger{ID: 7}
	secret, sealed, err := s.newSigningSecret(trig, "kickoff")
	if err != nil {
		f.Fatal(err)
	}
	trig.SigningSecretSealed = &sealed
	now := time.Unix(1733337600, 0)
	ts := strconv.FormatInt(now.Unix(), 10)
	f.Add(ts, Sign(secret, ts, []byte("{}")), []byte("{}"))
	f.Add(ts, "sha256=", []byte(""))
	f.Add("-1", "sha256=00", []byte("x"))
	f.Add("99999999999999999999", "", []byte(nil))
	f.Add(" "+ts+" ", " "+Sign(secret, ts, []byte("a"))+" ", []byte("a"))
	f.Fuzz(func(t *testing.T, timestamp, signature string, body []byte) {
		digest, err := s.CheckSignature(trig, Signature{Timestamp: timestamp, Value: signature, Body: body}, now)
		right := signature != "" && signature == Sign(secret, timestamp, body)
		secs, perr := strconv.ParseInt(timestamp, 10, 64)
		inWindow := perr == nil && secs <= now.Unix()+60 && secs >= now.Unix()-300
		switch {
		case err != nil && !errors.Is(err, ErrSignature):
			t.Fatalf("error %v is not a signature refusal", err)
		case err == nil && len(digest) != 32:
			t.Fatalf("accepted with digest %x", digest)
		case right && inWindow && err != nil:
			t.Fatalf("the right signature was refused: %v", err)
		}
	})
}

// TestGitHubTestVector: GitHub's documented example (docs.github.com,
// "Validating webhook deliveries"): secret "It's a Secret to Everybody",
// payload "Hello, World!".
func TestGitHubTestVector(t *testing.T) {
	kr, err := keyring.New("triggers-fuzz-secret-triggers-fuzz-secret")
	if err != nil {
		t.Fatal(err)
	}
	s := &Service{keys: kr}
	trig := &ent.PipelineTrigger{ID: 9, Receiver: "github"}
	sealed, err := kr.Seal([]byte("It's a Secret to Everybody"), signingAD(trig))
	if err != nil {
		t.Fatal(err)
	}
	trig.SigningSecretSealed = &sealed
	sig := Signature{Body: []byte("Hello, World!"), GitHub: "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"}
	if _, err := s.CheckSignature(trig, sig, time.Now()); err != nil {
		t.Fatalf("GitHub's example: %v", err)
	}
	sig.Body = []byte("Hello, World?")
	if _, err := s.CheckSignature(trig, sig, time.Now()); !errors.Is(err, ErrSignature) {
		t.Fatalf("a changed body: %v", err)
	}
}
