package render

import (
	"fmt"
	"html"
	"strings"
)

// The graph view of the HTML page: one column per namespace (the world
// last), nodes stacked in it, edges as curves labelled with their ports.
const (
	svgColW, svgNodeW, svgNodeH, svgRowH = 260, 180, 24, 40
	svgLeft, svgTop                      = 20, 44
)

type point struct{ x, y float64 }

// layoutGraph places the nodes, and each namespace's "every workload"
// node (edges from a whole namespace start there).
func layoutGraph(g *graph) (pos []point, nsPos map[string]point, height int) {
	pos, nsPos = make([]point, len(g.nodes)), map[string]point{}
	for c, group := range g.groups {
		x, row := float64(svgLeft+c*svgColW), 0
		if ns := g.nodes[group[0]].namespace; !g.nodes[group[0]].external && g.fromNS[ns] {
			nsPos[ns] = point{x, svgTop}
			row++
		}
		for _, i := range group {
			pos[i] = point{x, float64(svgTop + row*svgRowH)}
			row++
		}
		height = max(height, svgTop+row*svgRowH+20)
	}
	return pos, nsPos, height
}

// writeGraphSVG draws the graph as inline SVG.
func writeGraphSVG(b *strings.Builder, g *graph) {
	pos, nsPos, height := layoutGraph(g)
	width := svgLeft*2 + len(g.groups)*svgColW
	fmt.Fprintf(b, "<svg class=\"graph\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n", width, height, width, height)
	b.WriteString("<defs><marker id=\"ar\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0L10,5L0,10z\" fill=\"#4a5b7a\"/></marker></defs>\n")
	for c, group := range g.groups {
		first := g.nodes[group[0]]
		title := first.namespace
		if first.external {
			title = "outside the cluster"
		}
		x := svgLeft + c*svgColW
		fmt.Fprintf(b, "<text x=\"%d\" y=\"%d\" font-weight=\"bold\">%s</text>\n", x, svgTop-12, html.EscapeString(title))
	}
	for _, e := range g.edges {
		from := pos[e.src]
		if e.fromNS != "" {
			from = nsPos[e.fromNS]
		}
		writeSVGEdge(b, from, pos[e.dst], e.lines)
	}
	for _, group := range g.groups {
		if ns := g.nodes[group[0]].namespace; !g.nodes[group[0]].external && g.fromNS[ns] {
			writeSVGNode(b, nsPos[ns], "every workload", "#ffffff", true)
		}
	}
	for i, nd := range g.nodes {
		fill := "#f4f6fb"
		switch {
		case nd.external:
			fill = "#fdf1e4"
		case nd.dns:
			fill = "#e8f4ea"
		}
		writeSVGNode(b, pos[i], strings.TrimPrefix(nd.name, nd.namespace+"/"), fill, false)
	}
	b.WriteString("</svg>\n")
}

func writeSVGNode(b *strings.Builder, p point, label, fill string, dashed bool) {
	dash := ""
	if dashed {
		dash = ` stroke-dasharray="4 3"`
	}
	fmt.Fprintf(b, "<g><rect x=\"%.0f\" y=\"%.0f\" width=\"%d\" height=\"%d\" rx=\"6\" fill=\"%s\" stroke=\"#8090aa\"%s/><text x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\">%s</text></g>\n",
		p.x, p.y, svgNodeW, svgNodeH, fill, dash, p.x+svgNodeW/2, p.y+svgNodeH/2+4, html.EscapeString(label))
}

// writeSVGEdge draws a curve from a node's side to another's, its label
// at the curve's middle.
func writeSVGEdge(b *strings.Builder, a, z point, lines []string) {
	s, e := point{a.x + svgNodeW, a.y + svgNodeH/2}, point{z.x, z.y + svgNodeH/2}
	c1, c2 := point{(s.x + e.x) / 2, s.y}, point{(s.x + e.x) / 2, e.y}
	switch {
	case z.x == a.x: // same column: a loop on the right
		e.x += svgNodeW
		c1, c2 = point{s.x + 60, s.y}, point{e.x + 60, e.y}
	case z.x < a.x: // backwards: from the left side to the right side
		s.x, e.x = a.x, z.x+svgNodeW
		c1, c2 = point{s.x - 80, s.y}, point{e.x + 80, e.y}
	}
	fmt.Fprintf(b, "<path d=\"M%.0f,%.0f C%.0f,%.0f %.0f,%.0f %.0f,%.0f\" fill=\"none\" stroke=\"#4a5b7a\" marker-end=\"url(#ar)\"/>\n",
		s.x, s.y, c1.x, c1.y, c2.x, c2.y, e.x, e.y)
	mid := point{(s.x + 3*c1.x + 3*c2.x + e.x) / 8, (s.y + 3*c1.y + 3*c2.y + e.y) / 8}
	fmt.Fprintf(b, "<text class=\"lbl\" x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\">", mid.x, mid.y-float64(len(lines)-1)*6)
	for i, l := range lines {
		dy := "0"
		if i > 0 {
			dy = "12"
		}
		fmt.Fprintf(b, "<tspan x=\"%.0f\" dy=\"%s\">%s</tspan>", mid.x, dy, html.EscapeString(l))
	}
	b.WriteString("</text>\n")
}
