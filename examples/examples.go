// Package examples embeds the example intent directories, so `netpolc init`
// can write one and tests can compile every example.
package examples

import "embed"

// FS holds every example directory's CUE files, e.g. "shop/shop.cue".
//
//go:embed */*.cue
var FS embed.FS
