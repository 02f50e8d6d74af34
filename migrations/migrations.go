// Package migrations embeds Kickoff's versioned SQL migrations, one directory
// per dialect, so the binary can migrate its database by itself.
//
// The files are generated from the ent schema (make migration name=...) and
// applied with golang-migrate; never edit an applied file, add a new one.
package migrations

import "embed"

// FS holds sqlite/*.sql and postgres/*.sql.
//
//go:embed sqlite/*.sql postgres/*.sql
var FS embed.FS
