// Package keyring turns the operator's KICKOFF_SECRET_KEY into independent
// per-purpose keys (token encryption, JWT signing) and keeps older secrets
// usable for decryption and verification, so the secret can be rotated
// without invalidating stored trigger tokens or live sessions at once.
package keyring

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
)

// MinSecretLen is the shortest secret accepted, in bytes.
const MinSecretLen = 32

// HKDF info strings, one per purpose. The version suffix lets a purpose move
// to a new derivation without colliding with keys derived before.
const (
	PurposeTokenEncryption = "kickoff/token-encryption/v1"
	PurposeJWTSigning      = "kickoff/jwt-signing/v1"
	PurposeMAC             = "kickoff/mac/v1"
)

const (
	keyLen       = 32 // AES-256 and HS256 keys
	keyIDLen     = 8
	sealVersion  = 1
	headerLen    = 1 + keyIDLen
	gcmNonceLen  = 12
	gcmTagLen    = 16
	minSealedLen = headerLen + gcmNonceLen + gcmTagLen
)

var (
	// ErrSecretTooShort is returned by New for a secret under MinSecretLen.
	ErrSecretTooShort = fmt.Errorf("keyring: secret key must be at least %d characters", MinSecretLen)
	// ErrDecrypt is returned by Open for anything it cannot decrypt: wrong
	// or retired key, tampering, wrong additional data, bad format.
	ErrDecrypt = errors.New("keyring: cannot decrypt")
)

// Keyring holds the keys derived from the current secret and from previous
// secrets. It is safe for concurrent use.
type Keyring struct {
	// gens[0] is the current generation; the rest are previous ones,
	// newest first, kept for Open and VerificationKey only.
	gens []*generation
}

// generation is the set of keys derived from one secret.
type generation struct {
	encID   [keyIDLen]byte
	aead    cipher.AEAD
	signKID string
	signKey []byte
	macKey  []byte
}

// New builds a keyring from the current secret and any previous secrets
// still needed to decrypt old ciphertexts and verify old sessions.
func New(current string, previous ...string) (*Keyring, error) {
	cur, err := newGeneration(current)
	if err != nil {
		return nil, fmt.Errorf("keyring: current secret: %w", err)
	}
	kr := &Keyring{gens: []*generation{cur}}
	for i, p := range previous {
		g, err := newGeneration(p)
		if err != nil {
			return nil, fmt.Errorf("keyring: previous secret #%d: %w", i+1, err)
		}
		kr.gens = append(kr.gens, g)
	}
	return kr, nil
}

func newGeneration(secret string) (*generation, error) {
	if len(secret) < MinSecretLen {
		return nil, ErrSecretTooShort
	}
	encKey, err := derive(secret, PurposeTokenEncryption)
	if err != nil {
		return nil, err
	}
	signKey, err := derive(secret, PurposeJWTSigning)
	if err != nil {
		return nil, err
	}
	macKey, err := derive(secret, PurposeMAC)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(encKey)
	if err != nil {
		return nil, fmt.Errorf("aes: %w", err)
	}
	// The random-nonce GCM prepends a fresh 12-byte nonce itself, so no
	// caller can ever reuse one.
	aead, err := cipher.NewGCMWithRandomNonce(block)
	if err != nil {
		return nil, fmt.Errorf("gcm: %w", err)
	}
	g := &generation{aead: aead, signKey: signKey, macKey: macKey, encID: keyID(encKey)}
	sid := keyID(signKey)
	g.signKID = hex.EncodeToString(sid[:])
	return g, nil
}

// derive returns the key for one purpose. No salt: the input is already a
// high-entropy operator secret, and a stored salt would add nothing secret.
func derive(secret, purpose string) ([]byte, error) {
	k, err := hkdf.Key(sha256.New, []byte(secret), nil, purpose, keyLen)
	if err != nil {
		return nil, fmt.Errorf("derive %s key: %w", purpose, err)
	}
	return k, nil
}

// keyID names a key without revealing it: a truncated SHA-256 is one-way,
// and 8 bytes are plenty to tell a handful of generations apart.
func keyID(key []byte) [keyIDLen]byte {
	sum := sha256.Sum256(key)
	return [keyIDLen]byte(sum[:keyIDLen])
}

// Seal encrypts plaintext with the current key (AES-256-GCM). additionalData
// is authenticated but not stored: pass something that identifies the row
// (e.g. the token digest) so a ciphertext copied to another row won't open.
// Output: version (1 byte) | key id (8) | nonce (12) | ciphertext+tag.
func (kr *Keyring) Seal(plaintext, additionalData []byte) ([]byte, error) {
	g := kr.gens[0]
	out := make([]byte, headerLen, headerLen+gcmNonceLen+len(plaintext)+gcmTagLen)
	out[0] = sealVersion
	copy(out[1:], g.encID[:])
	// The header goes into the authenticated data so version and key id
	// can't be swapped independently of the ciphertext.
	return g.aead.Seal(out, nil, plaintext, aad(out[:headerLen], additionalData)), nil
}

// Open decrypts what Seal produced with the current or a previous key.
// Every failure is ErrDecrypt.
func (kr *Keyring) Open(sealed, additionalData []byte) ([]byte, error) {
	if len(sealed) < minSealedLen {
		return nil, fmt.Errorf("%w: too short", ErrDecrypt)
	}
	if sealed[0] != sealVersion {
		return nil, fmt.Errorf("%w: unknown format version %d", ErrDecrypt, sealed[0])
	}
	id := [keyIDLen]byte(sealed[1:headerLen])
	i := slices.IndexFunc(kr.gens, func(g *generation) bool { return g.encID == id })
	if i < 0 {
		return nil, fmt.Errorf("%w: unknown key id (secret rotated away?)", ErrDecrypt)
	}
	g := kr.gens[i]
	plaintext, err := g.aead.Open(nil, nil, sealed[headerLen:], aad(sealed[:headerLen], additionalData))
	if err != nil {
		return nil, fmt.Errorf("%w: authentication failed", ErrDecrypt)
	}
	return plaintext, nil
}

func aad(header, additionalData []byte) []byte {
	return append(slices.Clip(header), additionalData...)
}

// SigningKey returns the current JWT signing key and its id, to be sent as
// the JWT "kid" header. The key is a copy.
func (kr *Keyring) SigningKey() (kid string, key []byte) {
	return kr.gens[0].signKID, slices.Clone(kr.gens[0].signKey)
}

// VerificationKey returns the JWT key with the given id among the current
// and previous secrets, so sessions signed before a rotation stay valid.
// The key is a copy.
func (kr *Keyring) VerificationKey(kid string) ([]byte, bool) {
	for _, g := range kr.gens {
		if g.signKID == kid {
			return slices.Clone(g.signKey), true
		}
	}
	return nil, false
}

// MAC returns HMAC-SHA256 of label and data under the current secret: a
// keyed one-way name for a value that must not be stored as it is (a typed
// username, say). label separates uses, so one use's MACs mean nothing to
// another. MACs change when the secret is rotated.
func (kr *Keyring) MAC(label string, data []byte) []byte {
	m := hmac.New(sha256.New, kr.gens[0].macKey)
	m.Write([]byte(label))
	m.Write([]byte{0})
	m.Write(data)
	return m.Sum(nil)
}
