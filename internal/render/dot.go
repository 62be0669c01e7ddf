package render

import (
	"fmt"
	"io"
	"strconv"

	"github.com/netpolc/netpolc/enforcer"
)

// DOT writes a Graphviz digraph: one cluster per namespace, external peers
// as ellipses, one labelled edge per allowed connection.
type DOT struct{}

// Write implements Formatter.
func (DOT) Write(w io.Writer, es *enforcer.Stream, _ Options) error {
	s := displayView(es)
	pw := newPairWriter(w)
	pw.WriteString("digraph connectivity {\n  rankdir=LR;\n  node [shape=box];\n")
	for _, group := range byNamespace(s.Endpoints) {
		indent := "  "
		if ns := group[0].Namespace; ns != "" {
			fmt.Fprintf(pw, "  subgraph %s {\n    label=%s;\n", strconv.Quote("cluster_"+ns), strconv.Quote(ns))
			indent = "    "
		}
		for _, ep := range group {
			shape := ""
			if ep.Kind == enforcer.KindExternal {
				shape = " shape=ellipse"
			}
			fmt.Fprintf(pw, "%s%s [label=%s%s];\n", indent, strconv.Quote(ep.Name), strconv.Quote(ep.Name), shape)
		}
		if group[0].Namespace != "" {
			pw.WriteString("  }\n")
		}
	}
	src, dst := make([][]byte, s.Nodes()), make([][]byte, s.Nodes())
	for n, ep := range s.Endpoints {
		q := strconv.Quote(ep.Name)
		src[n], dst[n] = []byte("  "+q+" -> "), []byte(q+" [label=")
	}
	ports := make([][]byte, len(s.PortSets))
	for i, p := range s.PortSets {
		ports[i] = []byte(strconv.Quote(p.String()) + "];\n")
	}
	_, err := pw.viewPairs(s, func(b []byte, c *viewCursor, n int) []byte {
		for _, t := range c.Targets(n) {
			b = append(append(append(b, src[n]...), dst[t.Node]...), ports[t.Ports]...)
		}
		return b
	})
	pw.WriteString("}\n")
	return pw.finish(err)
}

// byNamespace splits the (sorted) endpoints into runs sharing a namespace;
// external peers (no namespace) form the last run.
func byNamespace(eps []enforcer.Endpoint) [][]enforcer.Endpoint {
	var out [][]enforcer.Endpoint
	for i, ep := range eps {
		if i == 0 || ep.Namespace != eps[i-1].Namespace {
			out = append(out, eps[i:i])
		}
		out[len(out)-1] = out[len(out)-1][:len(out[len(out)-1])+1]
	}
	return out
}
