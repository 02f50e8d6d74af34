// Package kickoff holds Kickoff's domain vocabulary: the small value types
// (access levels, pipeline statuses, ref types) and error codes shared by the
// data model, the domain services and every API adapter. It imports nothing
// of Kickoff's own so any package may depend on it.
package kickoff
