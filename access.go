package kickoff

import (
	"fmt"
	"io"
	"strconv"
)

// AccessLevel is a member's role in a project, with GitLab's numeric values so
// that "at least Developer" is a plain comparison.
type AccessLevel int

// Access levels, as in GitLab.
const (
	NoAccess   AccessLevel = 0
	Guest      AccessLevel = 10
	Reporter   AccessLevel = 20
	Developer  AccessLevel = 30
	Maintainer AccessLevel = 40
	Owner      AccessLevel = 50
)

var accessLevelNames = map[AccessLevel]string{
	NoAccess:   "NO_ACCESS",
	Guest:      "GUEST",
	Reporter:   "REPORTER",
	Developer:  "DEVELOPER",
	Maintainer: "MAINTAINER",
	Owner:      "OWNER",
}

// String returns the GraphQL enum name of the level.
func (l AccessLevel) String() string {
	if n, ok := accessLevelNames[l]; ok {
		return n
	}
	return "AccessLevel(" + strconv.Itoa(int(l)) + ")"
}

// Valid reports whether l is a level a member can hold (Guest … Owner).
func (l AccessLevel) Valid() bool {
	_, ok := accessLevelNames[l]
	return ok && l != NoAccess
}

// ParseAccessLevel turns a GraphQL enum name into a level.
func ParseAccessLevel(name string) (AccessLevel, error) {
	for l, n := range accessLevelNames {
		if n == name {
			return l, nil
		}
	}
	return NoAccess, fmt.Errorf("%q is not a valid access level", name)
}

// MarshalGQL writes the level as its GraphQL enum name.
func (l AccessLevel) MarshalGQL(w io.Writer) {
	_, _ = io.WriteString(w, strconv.Quote(l.String()))
}

// UnmarshalGQL reads a GraphQL enum name.
func (l *AccessLevel) UnmarshalGQL(v any) error {
	s, ok := v.(string)
	if !ok {
		return fmt.Errorf("access level must be a string, got %T", v)
	}
	parsed, err := ParseAccessLevel(s)
	if err != nil {
		return err
	}
	*l = parsed
	return nil
}
