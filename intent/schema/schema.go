// Package schema embeds the CUE schema of the netpolc intent language.
package schema

import "embed"

// ImportPath is the CUE import path of the schema package.
const ImportPath = "netpolc.dev/schema"

// FS holds the schema's CUE files.
//
//go:embed *.cue
var FS embed.FS
