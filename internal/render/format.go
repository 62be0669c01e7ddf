// Package format writes a connectivity matrix (enforcer.Connectivity) in the
// output formats of `netpolc matrix --format`: text, md, json, csv, dot and
// mermaid. Each format is one small type behind the Formatter interface, in
// its own file. Output is deterministic: it follows the matrix's canonical
// order.
package render

import (
	"fmt"
	"io"
	"strings"

	"github.com/netpolc/netpolc/enforcer"
)

// Formatter writes a connectivity matrix in one format.
type Formatter interface {
	Format(w io.Writer, c *enforcer.Connectivity) error
}

var formatters = map[string]Formatter{
	"text":    Text{},
	"md":      Markdown{},
	"json":    JSON{},
	"csv":     CSV{},
	"dot":     DOT{},
	"mermaid": Mermaid{},
}

// Names lists the format names ByName accepts, in the order the CLI help
// shows them.
func Names() []string { return []string{"text", "md", "json", "csv", "dot", "mermaid"} }

// ByName returns the formatter called name.
func ByName(name string) (Formatter, error) {
	f, ok := formatters[name]
	if !ok {
		return nil, fmt.Errorf("unknown format %q (want one of %s)", name, strings.Join(Names(), ", "))
	}
	return f, nil
}

// portsLabel renders a connection's ports on one line.
func portsLabel(c enforcer.Connection) string { return c.Ports.String() }
