package kickoff

// Generated code is committed; CI fails when regenerating changes anything.
//go:generate go run -mod=mod ./ent/entc.go
//go:generate go tool gqlgen generate
