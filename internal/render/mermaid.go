package render

import (
	"fmt"
	"io"
	"strings"

	"github.com/netpolc/netpolc/enforcer"
)

// Mermaid writes a Mermaid flowchart of the same graph as DOT: one
// subgraph per namespace (ns0, ns1, …), nodes with generated IDs (n0, n1,
// …) labelled with their names, one labelled edge per drawn edge.
type Mermaid struct{}

// Write implements Formatter.
func (Mermaid) Write(w io.Writer, s *enforcer.Stream, o Options) error {
	g := buildGraph(displayView(s), o.ExpandExternal)
	pw := newPairWriter(w)
	pw.WriteString("flowchart LR\n")
	nsID := map[string]string{}
	for gi, group := range g.groups {
		first := g.nodes[group[0]]
		indent := "  "
		if !first.external {
			nsID[first.namespace] = fmt.Sprintf("ns%d", gi)
			fmt.Fprintf(pw, "  subgraph ns%d [%s]\n", gi, mermaidText(first.namespace))
			indent = "    "
		}
		for _, i := range group {
			nd := g.nodes[i]
			open, close := "[", "]"
			if nd.external {
				open, close = "([", "])"
			}
			fmt.Fprintf(pw, "%sn%d%s%s%s\n", indent, i, open, mermaidText(nd.name), close)
		}
		if !first.external {
			pw.WriteString("  end\n")
		}
	}
	for _, e := range g.edges {
		src := fmt.Sprintf("n%d", e.src)
		if e.fromNS != "" {
			src = nsID[e.fromNS]
		}
		fmt.Fprintf(pw, "  %s -->|%s| n%d\n", src, mermaidText(strings.Join(e.lines, "<br>")), e.dst)
	}
	return pw.finish(nil)
}

// mermaidText quotes a label, escaping the quote character Mermaid's way.
func mermaidText(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, "#quot;") + `"`
}
