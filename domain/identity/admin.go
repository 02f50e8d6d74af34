package identity

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// InitialAdminFile is where the first-run admin password is written.
const InitialAdminFile = "initial_admin_password"

// EnsureInitialAdmin creates the user "admin" with a random password when the
// database has no users yet, and writes the password to
// <dataDir>/initial_admin_password (0600). It returns the password only when
// it created the user, so the caller can print it once.
func (s *Service) EnsureInitialAdmin(ctx context.Context, dataDir string) (string, error) {
	n, err := s.client.User.Query().Count(ctx)
	if err != nil {
		return "", fmt.Errorf("counting users: %w", err)
	}
	if n > 0 {
		return "", nil
	}
	password := rand.Text() // 26 base32 characters, 128 bits
	_, err = s.CreateUser(ctx, NewUser{
		Username: "admin", Name: "Administrator", Email: "admin@kickoff.invalid",
		Password: password, Admin: true,
	})
	if err != nil {
		// Another replica may have created it first.
		if n, cerr := s.client.User.Query().Count(ctx); cerr == nil && n > 0 {
			return "", nil
		}
		return "", fmt.Errorf("creating initial admin: %w", err)
	}
	if err := writeSecretFile(filepath.Join(dataDir, InitialAdminFile), password+"\n"); err != nil {
		return password, fmt.Errorf("writing %s: %w", InitialAdminFile, err)
	}
	return password, nil
}

func writeSecretFile(path, content string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	_, werr := f.WriteString(content)
	return errors.Join(werr, f.Chmod(0o600), f.Close())
}
