// Package frontend holds the built single-page web app so the kickoff binary can serve it.
package frontend

import "embed"

// Dist is the output of `npm run build` (frontend/dist). On a fresh clone it holds only .gitkeep.
//
//go:embed all:dist
var Dist embed.FS
