package render

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/netpolc/netpolc/enforcer"
)

// DOT writes a Graphviz digraph: one cluster per namespace, external peers
// as ellipses, one labelled edge per allowed connection.
type DOT struct{}

// Format implements Formatter.
func (DOT) Format(w io.Writer, c *enforcer.Connectivity) error {
	var b strings.Builder
	b.WriteString("digraph connectivity {\n  rankdir=LR;\n  node [shape=box];\n")
	for _, group := range byNamespace(c.Endpoints) {
		indent := "  "
		if ns := group[0].Namespace; ns != "" {
			fmt.Fprintf(&b, "  subgraph %s {\n    label=%s;\n", strconv.Quote("cluster_"+ns), strconv.Quote(ns))
			indent = "    "
		}
		for _, ep := range group {
			shape := ""
			if ep.Kind == enforcer.KindExternal {
				shape = " shape=ellipse"
			}
			fmt.Fprintf(&b, "%s%s [label=%s%s];\n", indent, strconv.Quote(ep.Name), strconv.Quote(ep.Name), shape)
		}
		if group[0].Namespace != "" {
			b.WriteString("  }\n")
		}
	}
	for _, conn := range c.Connections {
		fmt.Fprintf(&b, "  %s -> %s [label=%s];\n", strconv.Quote(conn.Src), strconv.Quote(conn.Dst), strconv.Quote(portsLabel(conn)))
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// byNamespace splits the (sorted) endpoints into runs sharing a namespace;
// external peers (no namespace) form the last run.
func byNamespace(eps []enforcer.Endpoint) [][]enforcer.Endpoint {
	var out [][]enforcer.Endpoint
	for i, ep := range eps {
		if i == 0 || ep.Namespace != eps[i-1].Namespace {
			out = append(out, nil)
		}
		out[len(out)-1] = append(out[len(out)-1], ep)
	}
	return out
}
