// Package templates embeds netpolc's built-in CUE patterns (defaultDeny,
// allowDNS, tiers, gateway, namespaceIsolation, externalEgress, monitoring,
// and the platform layer's cluster-wide ones in platform.cue)
// so intents can import them as "netpolc.dev/templates" with no download.
package templates

import "embed"

// ImportPath is the CUE import path of the built-in templates.
const ImportPath = "netpolc.dev/templates"

// FS holds the templates' CUE files.
//
//go:embed *.cue
var FS embed.FS
