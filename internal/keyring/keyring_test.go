package keyring

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

const (
	secretA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-secret-A"
	secretB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-secret-B"
	secretC = "cccccccccccccccccccccccccccccccccccccccc-secret-C"
)

func mustNew(t *testing.T, current string, previous ...string) *Keyring {
	t.Helper()
	kr, err := New(current, previous...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return kr
}

func TestNewRejectsShortSecrets(t *testing.T) {
	short := strings.Repeat("x", MinSecretLen-1)
	tests := []struct {
		name     string
		current  string
		previous []string
	}{
		{"empty current", "", nil},
		{"short current", short, nil},
		{"short previous", secretA, []string{secretB, short}},
		{"empty previous", secretA, []string{""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.current, tt.previous...)
			if !errors.Is(err, ErrSecretTooShort) {
				t.Fatalf("New = %v, want ErrSecretTooShort", err)
			}
			if strings.Contains(err.Error(), short) {
				t.Fatal("error message contains the secret")
			}
		})
	}
	if _, err := New(strings.Repeat("x", MinSecretLen)); err != nil {
		t.Fatalf("New with exactly %d characters: %v", MinSecretLen, err)
	}
}

func TestSealOpenRoundTrip(t *testing.T) {
	kr := mustNew(t, secretA)
	tests := []struct {
		name      string
		plaintext []byte
		ad        []byte
	}{
		{"token", []byte("kot_0123456789ABCDEFGHIJKLMNOPQRSTUV1ggZdL"), []byte("digest-1")},
		{"empty plaintext", []byte{}, []byte("digest-2")},
		{"no additional data", []byte("secret"), nil},
		{"large", bytes.Repeat([]byte("x"), 1<<16), []byte("d")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sealed, err := kr.Seal(tt.plaintext, tt.ad)
			if err != nil {
				t.Fatalf("Seal: %v", err)
			}
			if want := minSealedLen + len(tt.plaintext); len(sealed) != want {
				t.Fatalf("len(sealed) = %d, want %d", len(sealed), want)
			}
			if len(tt.plaintext) > 8 && bytes.Contains(sealed, tt.plaintext[:8]) {
				t.Fatal("ciphertext contains plaintext")
			}
			got, err := kr.Open(sealed, tt.ad)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if !bytes.Equal(got, tt.plaintext) {
				t.Fatalf("Open = %q, want %q", got, tt.plaintext)
			}
		})
	}
}

func TestSealUsesFreshNonces(t *testing.T) {
	kr := mustNew(t, secretA)
	a, _ := kr.Seal([]byte("same"), nil)
	b, _ := kr.Seal([]byte("same"), nil)
	if bytes.Equal(a[headerLen:headerLen+gcmNonceLen], b[headerLen:headerLen+gcmNonceLen]) {
		t.Fatal("two seals used the same nonce")
	}
	if bytes.Equal(a, b) {
		t.Fatal("two seals of the same plaintext are identical")
	}
}

func TestOpenRejectsTampering(t *testing.T) {
	kr := mustNew(t, secretA)
	ad := []byte("row-digest")
	sealed, err := kr.Seal([]byte("kot_secretsecretsecret"), ad)
	if err != nil {
		t.Fatal(err)
	}
	flipAt := func(i int) []byte {
		b := bytes.Clone(sealed)
		b[i] ^= 0x01
		return b
	}
	tests := []struct {
		name   string
		sealed []byte
		ad     []byte
	}{
		{"version", flipAt(0), ad},
		{"key id", flipAt(1), ad},
		{"nonce", flipAt(headerLen), ad},
		{"ciphertext", flipAt(headerLen + gcmNonceLen), ad},
		{"tag", flipAt(len(sealed) - 1), ad},
		{"other additional data", sealed, []byte("other-row")},
		{"missing additional data", sealed, nil},
		{"truncated", sealed[:len(sealed)-1], ad},
		{"too short", sealed[:minSealedLen-1], ad},
		{"empty", nil, ad},
		{"extended", append(bytes.Clone(sealed), 0), ad},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := kr.Open(tt.sealed, tt.ad); !errors.Is(err, ErrDecrypt) {
				t.Fatalf("Open = (%q, %v), want ErrDecrypt", got, err)
			}
		})
	}
}

func TestRotation(t *testing.T) {
	old := mustNew(t, secretA)
	sealed, err := old.Seal([]byte("payload"), []byte("ad"))
	if err != nil {
		t.Fatal(err)
	}
	oldKID, _ := old.SigningKey()

	rotated := mustNew(t, secretB, secretA)
	got, err := rotated.Open(sealed, []byte("ad"))
	if err != nil || string(got) != "payload" {
		t.Fatalf("Open after rotation = (%q, %v), want payload", got, err)
	}
	if _, ok := rotated.VerificationKey(oldKID); !ok {
		t.Fatal("previous signing key not found after rotation")
	}
	if kid, _ := rotated.SigningKey(); kid == oldKID {
		t.Fatal("rotated keyring still signs with the previous key")
	}
	resealed, _ := rotated.Seal([]byte("payload"), []byte("ad"))
	if bytes.Equal(resealed[1:headerLen], sealed[1:headerLen]) {
		t.Fatal("rotated keyring still seals with the previous key")
	}

	// Once the old secret is dropped, its ciphertexts and sessions die.
	retired := mustNew(t, secretB, secretC)
	if _, err := retired.Open(sealed, []byte("ad")); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("Open with retired key = %v, want ErrDecrypt", err)
	}
	if _, ok := retired.VerificationKey(oldKID); ok {
		t.Fatal("retired signing key still verifies")
	}
}

func TestKeysAreIndependent(t *testing.T) {
	encA, err := derive(secretA, PurposeTokenEncryption)
	if err != nil {
		t.Fatal(err)
	}
	signA, _ := derive(secretA, PurposeJWTSigning)
	macA, _ := derive(secretA, PurposeMAC)
	encB, _ := derive(secretB, PurposeTokenEncryption)
	keys := [][]byte{encA, signA, macA, encB, []byte(secretA[:keyLen])}
	for i := range keys {
		if len(keys[i]) != keyLen {
			t.Fatalf("key %d has length %d", i, len(keys[i]))
		}
		for j := i + 1; j < len(keys); j++ {
			if bytes.Equal(keys[i], keys[j]) {
				t.Errorf("keys %d and %d are equal", i, j)
			}
		}
	}
	again, _ := derive(secretA, PurposeTokenEncryption)
	if !bytes.Equal(encA, again) {
		t.Error("derivation is not deterministic")
	}
}

func TestMAC(t *testing.T) {
	kr, rotated, other := mustNew(t, secretA), mustNew(t, secretA, secretB), mustNew(t, secretB)
	a := kr.MAC("use", []byte("alice"))
	tests := []struct {
		name string
		mac  []byte
		same bool
	}{
		{"same label and data", kr.MAC("use", []byte("alice")), true},
		{"previous secrets do not matter", rotated.MAC("use", []byte("alice")), true},
		{"other data", kr.MAC("use", []byte("alicf")), false},
		{"other label", kr.MAC("other", []byte("alice")), false},
		{"label and data do not run together", kr.MAC("usea", []byte("lice")), false},
		{"other secret", other.MAC("use", []byte("alice")), false},
	}
	for _, tt := range tests {
		if got := bytes.Equal(a, tt.mac); got != tt.same || len(tt.mac) != 32 {
			t.Errorf("%s: equal = %v (%d bytes), want %v", tt.name, got, len(tt.mac), tt.same)
		}
	}
}

func TestSigningKeys(t *testing.T) {
	kr := mustNew(t, secretA, secretB)
	kid, key := kr.SigningKey()
	if len(kid) != 2*keyIDLen || len(key) != keyLen {
		t.Fatalf("SigningKey = (%q, %d bytes)", kid, len(key))
	}
	got, ok := kr.VerificationKey(kid)
	if !ok || !bytes.Equal(got, key) {
		t.Fatal("VerificationKey(current kid) does not return the signing key")
	}
	for _, kid := range []string{"", "00000000", "unknown", kid + "0"} {
		if _, ok := kr.VerificationKey(kid); ok {
			t.Errorf("VerificationKey(%q) found a key", kid)
		}
	}
	// Returned keys are copies: callers can't corrupt the keyring.
	key[0] ^= 0xff
	if _, again := kr.SigningKey(); bytes.Equal(again, key) {
		t.Fatal("SigningKey returns the keyring's own slice")
	}
	// Same secret, same kid: sessions survive a restart.
	kid2, _ := mustNew(t, secretA).SigningKey()
	if kid2 != kid {
		t.Fatal("kid is not stable across keyrings")
	}
}

func FuzzOpen(f *testing.F) {
	kr, err := New(secretA, secretB)
	if err != nil {
		f.Fatal(err)
	}
	sealed, _ := kr.Seal([]byte("payload"), []byte("ad"))
	f.Add(sealed, []byte("ad"))
	f.Add([]byte{}, []byte{})
	f.Add([]byte{sealVersion}, []byte("ad"))
	f.Fuzz(func(t *testing.T, sealed, ad []byte) {
		plaintext, err := kr.Open(sealed, ad)
		if err != nil {
			if !errors.Is(err, ErrDecrypt) || plaintext != nil {
				t.Fatalf("Open = (%q, %v)", plaintext, err)
			}
		}
	})
}
