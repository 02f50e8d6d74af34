package keyring

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// SecretFileName is the file, inside the data directory, that holds the
// generated secret when no KICKOFF_SECRET_KEY is configured.
const SecretFileName = "secret_key"

// generatedSecretLen base62 characters carry about 285 bits.
const generatedSecretLen = 48

// ErrInsecurePermissions is returned by LoadOrCreate, together with the
// secret, when the secret file is readable or writable by group or others.
// It is a warning: callers should log it and may carry on.
var ErrInsecurePermissions = errors.New("keyring: secret key file is accessible by other users; run chmod 600 on it")

// LoadOrCreate returns the secret kept in <dir>/secret_key, creating the file
// (mode 0600, directory 0700) with a fresh random secret on first use. It is
// for the embedded-SQLite mode, where no secret has to be configured.
//
// Several processes may start at once: the secret is written to a temporary
// file and hard-linked into place, which fails if the name already exists,
// so exactly one secret wins and nobody ever reads a half-written file.
//
// If the file exists with permissions broader than 0600, LoadOrCreate
// returns the secret AND an error wrapping ErrInsecurePermissions; a caller
// that treats every error as fatal therefore fails closed.
func LoadOrCreate(dir string) (string, error) {
	path := filepath.Join(dir, SecretFileName)
	secret, err := readSecretFile(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return secret, err
	}
	if err := createSecretFile(dir, path); err != nil {
		return "", err
	}
	return readSecretFile(path)
}

// readSecretFile reads and checks the secret file. Surrounding whitespace is
// ignored so that an operator may edit the file with any editor.
func readSecretFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("keyring: read secret key file: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return "", fmt.Errorf("keyring: read secret key file: %w", err)
	}
	// Bound the read: a secret is short, and this guards against a wrong
	// path pointing at something huge.
	b, err := io.ReadAll(io.LimitReader(f, 4096))
	if err != nil {
		return "", fmt.Errorf("keyring: read secret key file %s: %w", path, err)
	}
	secret := strings.TrimSpace(string(b))
	if len(secret) < MinSecretLen {
		return "", fmt.Errorf("keyring: secret key file %s: %w", path, ErrSecretTooShort)
	}
	// Windows has no Unix permission bits to check.
	if runtime.GOOS != "windows" && info.Mode().Perm()&0o077 != 0 {
		return secret, fmt.Errorf("%w (%s has mode %#o)", ErrInsecurePermissions, path, info.Mode().Perm())
	}
	return secret, nil
}

// createSecretFile writes a new random secret to path unless another
// process got there first, which is not an error.
func createSecretFile(dir, path string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("keyring: create data directory: %w", err)
	}
	secret, err := randomBase62(generatedSecretLen)
	if err != nil {
		return fmt.Errorf("keyring: generate secret key: %w", err)
	}
	tmp, err := os.CreateTemp(dir, "."+SecretFileName+"-*") // mode 0600
	if err != nil {
		return fmt.Errorf("keyring: create secret key file: %w", err)
	}
	defer os.Remove(tmp.Name()) // the link below keeps the content alive
	if err := writeAndSync(tmp, secret); err != nil {
		return fmt.Errorf("keyring: write secret key file: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("keyring: create secret key file: %w", err)
	}
	return syncDir(dir)
}

func writeAndSync(f *os.File, s string) error {
	_, err := f.WriteString(s)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// syncDir makes the new directory entry durable, so a crash right after
// start cannot lose the secret that encrypted the first tokens.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("keyring: sync data directory: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("keyring: sync data directory: %w", err)
	}
	return nil
}

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// randomBase62 returns n uniformly random base62 characters; bytes >= 248
// are skipped so that "% 62" is unbiased.
func randomBase62(n int) (string, error) {
	out := make([]byte, 0, n)
	var buf [64]byte
	for len(out) < n {
		if _, err := rand.Read(buf[:]); err != nil {
			return "", err
		}
		for _, c := range buf {
			if c < 248 && len(out) < n {
				out = append(out, base62[c%62])
			}
		}
	}
	return string(out), nil
}
