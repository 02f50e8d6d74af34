package kickoff

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// PipelineStatus is where a pipeline is in its lifecycle. It is stored and sent
// over REST in lower case (GitLab's REST values) and shown in GraphQL in upper
// case (GitLab's PipelineStatusEnum).
type PipelineStatus string

// Pipeline statuses.
const (
	StatusCreated  PipelineStatus = "created"
	StatusPending  PipelineStatus = "pending"
	StatusRunning  PipelineStatus = "running"
	StatusSuccess  PipelineStatus = "success"
	StatusFailed   PipelineStatus = "failed"
	StatusCanceled PipelineStatus = "canceled"
	StatusSkipped  PipelineStatus = "skipped"
)

// Values lists every status; ent uses it to build the column's enum.
func (PipelineStatus) Values() []string {
	return []string{
		string(StatusCreated), string(StatusPending), string(StatusRunning),
		string(StatusSuccess), string(StatusFailed), string(StatusCanceled), string(StatusSkipped),
	}
}

// Finished reports whether the status is terminal.
func (s PipelineStatus) Finished() bool {
	switch s {
	case StatusSuccess, StatusFailed, StatusCanceled, StatusSkipped:
		return true
	}
	return false
}

// MarshalGQL writes the status as its upper-case GraphQL enum name.
func (s PipelineStatus) MarshalGQL(w io.Writer) {
	_, _ = io.WriteString(w, strconv.Quote(strings.ToUpper(string(s))))
}

// UnmarshalGQL reads an upper-case GraphQL enum name.
func (s *PipelineStatus) UnmarshalGQL(v any) error {
	name, ok := v.(string)
	if !ok {
		return fmt.Errorf("pipeline status must be a string, got %T", v)
	}
	for _, known := range s.Values() {
		if strings.ToUpper(known) == name {
			*s = PipelineStatus(known)
			return nil
		}
	}
	return fmt.Errorf("%q is not a valid pipeline status", name)
}

// RefType tells branches from tags. Stored in lower case, shown in GraphQL as
// BRANCH or TAG.
type RefType string

// Ref types.
const (
	RefBranch RefType = "branch"
	RefTag    RefType = "tag"
)

// Values lists every ref type for ent's enum column.
func (RefType) Values() []string { return []string{string(RefBranch), string(RefTag)} }

// MarshalGQL writes the type as its upper-case GraphQL enum name.
func (t RefType) MarshalGQL(w io.Writer) {
	_, _ = io.WriteString(w, strconv.Quote(strings.ToUpper(string(t))))
}

// UnmarshalGQL reads BRANCH or TAG.
func (t *RefType) UnmarshalGQL(v any) error {
	name, ok := v.(string)
	if !ok {
		return fmt.Errorf("ref type must be a string, got %T", v)
	}
	switch name {
	case "BRANCH":
		*t = RefBranch
	case "TAG":
		*t = RefTag
	default:
		return fmt.Errorf("%q is not a valid ref type", name)
	}
	return nil
}

// HMACOptions say how a generic_hmac trigger receiver reads a signature:
// Header holds Prefix followed by the HMAC of the raw body with the
// trigger's signing secret, in Algorithm (sha256 or sha512), in Encoding
// (hex or base64).
type HMACOptions struct {
	Header    string `json:"header"`
	Algorithm string `json:"algorithm"`
	Encoding  string `json:"encoding"`
	Prefix    string `json:"prefix"`
}
