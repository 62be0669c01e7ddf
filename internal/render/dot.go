package render

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/netpolc/netpolc/enforcer"
)

// DOT writes a Graphviz digraph: one cluster per namespace, the world
// one ellipse and each namespace's DNS queries one edge from its "every
// workload" node (Options.ExpandExternal draws every peer and pair; see
// graph.go), ports on the edges.
type DOT struct{}

// dotHead sets the graph's look: left to right, polyline edges (their
// labels stay beside them), namespaces as rounded boxes.
const dotHead = "digraph connectivity {\n  rankdir=LR;\n  splines=polyline;\n  newrank=true;\n  nodesep=0.3;\n  ranksep=1.2;\n" +
	"  node [shape=box, style=\"rounded,filled\", fillcolor=\"#f4f6fb\", fontname=\"Helvetica\", fontsize=11];\n" +
	"  edge [fontname=\"Helvetica\", fontsize=9, color=\"#4a5b7a\", fontcolor=\"#1d2b45\"];\n"

// Write implements Formatter.
func (DOT) Write(w io.Writer, s *enforcer.Stream, o Options) error {
	g := buildGraph(displayView(s), o.ExpandExternal)
	pw := newPairWriter(w)
	pw.WriteString(dotHead)
	for _, group := range g.groups {
		first := g.nodes[group[0]]
		indent := "  "
		if !first.external {
			fmt.Fprintf(pw, "  subgraph %s {\n    label=%s;\n    style=\"rounded\";\n    color=\"#9aa7c0\";\n", dotID("cluster_"+first.namespace), dotID(first.namespace))
			indent = "    "
		}
		if !first.external && g.fromNS[first.namespace] {
			fmt.Fprintf(pw, "%s%s [label=\"every workload\", style=\"dashed,rounded\", fillcolor=\"white\"];\n", indent, dotID(first.namespace+"/*"))
		}
		for _, i := range group {
			nd := g.nodes[i]
			label, attrs := strings.TrimPrefix(nd.name, nd.namespace+"/"), ""
			switch {
			case nd.external:
				label, attrs = nd.name, `, shape=ellipse, fillcolor="#fdf1e4"`
			case nd.dns:
				attrs = `, fillcolor="#e8f4ea"`
			}
			fmt.Fprintf(pw, "%s%s [label=%s%s];\n", indent, dotID(nd.name), dotID(label), attrs)
		}
		if !first.external {
			pw.WriteString("  }\n")
		}
	}
	for _, e := range g.edges {
		src := g.nodes[e.src].name
		if e.fromNS != "" {
			src = e.fromNS + "/*" // the namespace's "every workload" node
		}
		fmt.Fprintf(pw, "  %s -> %s [label=%s];\n", dotID(src), dotID(g.nodes[e.dst].name), dotID(strings.Join(e.lines, "\n")))
	}
	pw.WriteString("}\n")
	return pw.finish(nil)
}

// dotID quotes a DOT identifier or label (Go quoting is DOT's for the
// characters names hold: \" and \n).
func dotID(s string) string { return strconv.Quote(s) }
