package model

import "github.com/kickoff-ci/kickoff/ent"

// CiJobTokenScope is a project's job token scope. Allowlist is the query
// jobtokens.Service.Allowlist built once the viewer was authorized; the
// inboundAllowlist resolver pages through it.
type CiJobTokenScope struct {
	Allowlist *ent.ProjectQuery
}
