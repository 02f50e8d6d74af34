package keyring

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

func TestLoadOrCreateCreatesOnce(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "kickoff-data")
	first, err := LoadOrCreate(dir)
	if err != nil {
		t.Fatalf("LoadOrCreate: %v", err)
	}
	if len(first) != generatedSecretLen {
		t.Fatalf("secret has %d characters, want %d", len(first), generatedSecretLen)
	}
	if strings.Trim(first, base62) != "" {
		t.Fatal("secret is not base62")
	}
	if _, err := New(first); err != nil {
		t.Fatalf("generated secret rejected by New: %v", err)
	}
	second, err := LoadOrCreate(dir)
	if err != nil {
		t.Fatalf("second LoadOrCreate: %v", err)
	}
	if second != first {
		t.Fatal("second call returned a different secret")
	}
	if runtime.GOOS == "windows" {
		return
	}
	assertMode(t, filepath.Join(dir, SecretFileName), 0o600)
	assertMode(t, dir, 0o700)
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("data dir holds %d entries, want only %s", len(entries), SecretFileName)
	}
}

func assertMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Mode().Perm(); got != want {
		t.Fatalf("%s has mode %#o, want %#o", path, got, want)
	}
}

func TestLoadOrCreateConcurrent(t *testing.T) {
	dir := t.TempDir()
	const n = 16
	secrets := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { secrets[i], errs[i] = LoadOrCreate(dir) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("call %d: %v", i, errs[i])
		}
		if secrets[i] != secrets[0] {
			t.Fatalf("call %d got a different secret", i)
		}
	}
}

func TestLoadOrCreateExistingFile(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permissions")
	}
	good := strings.Repeat("k", 40)
	tests := []struct {
		name    string
		content string
		mode    os.FileMode
		want    string
		wantErr error
	}{
		{"operator's own secret", good, 0o600, good, nil},
		{"trailing newline from an editor", good + "\n", 0o600, good, nil},
		{"read-only is fine", good, 0o400, good, nil},
		{"group readable", good, 0o640, good, ErrInsecurePermissions},
		{"world readable", good, 0o644, good, ErrInsecurePermissions},
		{"too short", "short\n", 0o600, "", ErrSecretTooShort},
		{"empty", "", 0o600, "", ErrSecretTooShort},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, SecretFileName)
			if err := os.WriteFile(path, []byte(tt.content), tt.mode); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, tt.mode); err != nil { // beat the umask
				t.Fatal(err)
			}
			got, err := LoadOrCreate(dir)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("LoadOrCreate error = %v, want %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Fatalf("LoadOrCreate = %q, want %q", got, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), good) {
				t.Fatal("error message contains the secret")
			}
		})
	}
}

func TestLoadOrCreateUnusableDir(t *testing.T) {
	file := filepath.Join(t.TempDir(), "not-a-dir")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreate(file); err == nil {
		t.Fatal("LoadOrCreate on a regular file: want error")
	}
}
