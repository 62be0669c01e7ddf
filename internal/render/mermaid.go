package render

import (
	"fmt"
	"io"
	"strings"

	"github.com/netpolc/netpolc/enforcer"
)

// Mermaid writes a Mermaid flowchart: one subgraph per namespace, nodes
// with generated IDs (n0, n1, …, in the matrix's order) labelled with
// their names, and one labelled edge per allowed connection.
type Mermaid struct{}

// Write implements Formatter.
func (Mermaid) Write(w io.Writer, es *enforcer.Stream, _ Options) error {
	s := displayView(es)
	pw := newPairWriter(w)
	pw.WriteString("flowchart LR\n")
	id := 0
	for gi, group := range byNamespace(s.Endpoints) {
		indent := "  "
		if ns := group[0].Namespace; ns != "" {
			fmt.Fprintf(pw, "  subgraph ns%d [%s]\n", gi, mermaidText(ns))
			indent = "    "
		}
		for _, ep := range group {
			open, close := "[", "]"
			if ep.Kind == enforcer.KindExternal {
				open, close = "([", "])"
			}
			fmt.Fprintf(pw, "%sn%d%s%s%s\n", indent, id, open, mermaidText(ep.Name), close)
			id++
		}
		if group[0].Namespace != "" {
			pw.WriteString("  end\n")
		}
	}
	src, dst := make([][]byte, s.Nodes()), make([][]byte, s.Nodes())
	for n := range s.Endpoints {
		src[n], dst[n] = fmt.Appendf(nil, "  n%d -->|", n), fmt.Appendf(nil, " n%d\n", n)
	}
	// Port labels hold only letters, digits, '/', '-' and ',': safe unquoted.
	ports := make([][]byte, len(s.PortSets))
	for i, p := range s.PortSets {
		ports[i] = []byte(p.String() + "|")
	}
	_, err := pw.viewPairs(s, func(b []byte, c *viewCursor, n int) []byte {
		for _, t := range c.Targets(n) {
			b = append(append(append(b, src[n]...), ports[t.Ports]...), dst[t.Node]...)
		}
		return b
	})
	return pw.finish(err)
}

// mermaidText quotes a label, escaping the quote character Mermaid's way.
func mermaidText(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, "#quot;") + `"`
}
