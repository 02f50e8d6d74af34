// Package servicestest builds Kickoff's services for tests as kickoff serve
// does, with a fixed secret key and public URL, so every test package wires
// them the same way.
package servicestest

import (
	"net/url"
	"testing"

	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/internal/keyring"
	"github.com/kickoff-ci/kickoff/internal/passwords"
	"github.com/kickoff-ci/kickoff/services"
)

// Tests that build the services create many users; their passwords need
// not cost what a real one does.
func init() { passwords.UseTestCost() }

// Secret is the tests' secret key (KICKOFF_SECRET_KEY).
const Secret = "kickoff-test-secret-kickoff-test-secret-kickoff"

// PublicURL is where the tests' Kickoff claims to be reached (links in
// pipeline variables and REST answers).
var PublicURL = &url.URL{Scheme: "http", Host: "kickoff.test"}

// Keyring returns the keyring of Secret.
func Keyring(t testing.TB) *keyring.Keyring {
	t.Helper()
	kr, err := keyring.New(Secret)
	if err != nil {
		t.Fatal(err)
	}
	return kr
}

// New builds the services on client with Keyring and PublicURL.
func New(t testing.TB, client *ent.Client, opts ...services.Option) services.Set {
	t.Helper()
	return services.New(client, Keyring(t), PublicURL, opts...)
}
