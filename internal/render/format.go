// Package render writes a connectivity matrix in the output formats of
// `netpolc matrix --format`: text, md, json, csv, dot, mermaid and html. Each
// format is one small type behind the Formatter interface, in its own
// file. Output is deterministic: it follows the matrix's canonical order.
//
// Formatters write from an enforcer.Stream, never from a list of every
// pair: chunks of source nodes are formatted on every CPU and written in
// order through a large buffer (see pairs.go), so the largest matrices
// take the memory of their classes, not of their pairs. text and md fold
// a matrix of more than a screenful of pairs into rows per source
// namespace, destination namespace and ports (see fold.go); json and csv
// never fold.
package render

import (
	"fmt"
	"io"
	"strings"

	"github.com/netpolc/netpolc/enforcer"
)

// Formatter writes a connectivity matrix in one format.
type Formatter interface {
	// Write writes the matrix s to w.
	Write(w io.Writer, s *enforcer.Stream, o Options) error
}

// Options tune the human formats.
type Options struct {
	// Full lists every pair in text and md, however many; otherwise they
	// fold a matrix of more than foldAbove pairs.
	Full bool
	// ExpandExternal draws, in dot, mermaid and html's graph, every
	// external peer and every DNS edge instead of one world node and one
	// DNS edge per namespace.
	ExpandExternal bool
	// Model, when set, lets html show the rules and intents behind each
	// cell.
	Model *enforcer.Model
}

// foldAbove is the most pairs text and md list one a line by default: a
// screenful.
const foldAbove = 60

var formatters = map[string]Formatter{
	"text":    Text{},
	"md":      Markdown{},
	"json":    JSON{},
	"csv":     CSV{},
	"dot":     DOT{},
	"mermaid": Mermaid{},
	"html":    HTML{},
}

// Names lists the format names ByName accepts, in the order the CLI help
// shows them.
func Names() []string { return []string{"text", "md", "json", "csv", "dot", "mermaid", "html"} }

// ByName returns the formatter called name.
func ByName(name string) (Formatter, error) {
	f, ok := formatters[name]
	if !ok {
		return nil, fmt.Errorf("unknown format %q (want one of %s)", name, strings.Join(Names(), ", "))
	}
	return f, nil
}

// Format writes a materialised matrix with f.
func Format(f Formatter, w io.Writer, c *enforcer.Connectivity, o Options) error {
	s, err := enforcer.StreamOf(c)
	if err != nil {
		return err
	}
	return f.Write(w, s, o)
}
