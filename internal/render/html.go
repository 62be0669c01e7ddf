package render

import (
	"fmt"
	"html"
	"io"
	"strings"

	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/portset"
)

// HTML writes one self-contained page (inline CSS, JavaScript and SVG;
// nothing fetched): the matrix grouped by namespace, allowed cells green
// and denied ones red, hovering a cell shows its ports and, with
// Options.Model, the policies and intents behind it; below it the graph
// DOT draws, as SVG (see htmlgraph.go).
type HTML struct{}

// htmlMaxNodes is the most endpoints (after merging external peers) an
// HTML matrix draws; past it the page would be unreadable.
const htmlMaxNodes = 300

// cellPitch is the width in pixels one matrix column takes (a cell and
// its border).
const cellPitch = 19

// Colours of the matrix cells; the browser test looks for them.
const (
	allowedColour = "#2e9d4f"
	deniedColour  = "#d9534f"
)

// Write implements Formatter.
func (HTML) Write(w io.Writer, s *enforcer.Stream, o Options) error {
	v := displayView(s)
	if v.Nodes() > htmlMaxNodes {
		return fmt.Errorf("--format html draws at most %d endpoints, this matrix has %d: use --format text or md (they fold), or json", htmlMaxNodes, v.Nodes())
	}
	allowed := make([]map[int32]portset.Set, v.Nodes())
	cur := v.cursor()
	for n := range v.Nodes() {
		allowed[n] = map[int32]portset.Set{}
		for _, t := range cur.Targets(n) {
			allowed[n][t.Node] = v.PortSets[t.Ports]
		}
	}
	why := newExplainer(v, o.Model)
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>netpolc connectivity</title>\n<style>" + htmlCSS + "</style></head>\n<body>\n")
	fmt.Fprintf(&b, "<h1>Connectivity</h1>\n<p>%d allowed pairs between %d endpoints. Rows are sources, columns destinations; hover a cell for what allows or denies it.</p>\n",
		v.Pairs(), v.Nodes())
	writeMatrixTable(&b, v, allowed, why)
	b.WriteString("<h2>Graph</h2>\n")
	writeGraphSVG(&b, buildGraph(v, o.ExpandExternal))
	b.WriteString("<div id=\"tip\" hidden></div>\n<script>" + htmlJS + "</script>\n</body></html>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// writeMatrixTable writes the namespace-grouped matrix.
func writeMatrixTable(b *strings.Builder, v *view, allowed []map[int32]portset.Set, why *explainer) {
	groups := viewGroups(v)
	b.WriteString("<table class=\"m\"><thead><tr><th></th><th></th>")
	for _, g := range groups {
		// A fixed-width, clipped name keeps every column one cell wide:
		// a one-workload namespace must not draw wider cells (the title
		// shows the whole name).
		name := html.EscapeString(groupName(v, g))
		fmt.Fprintf(b, "<th class=\"ns\" colspan=\"%d\" title=\"%s\"><div class=\"nsn\" style=\"width:%dpx\">%s</div></th>",
			len(g), name, len(g)*cellPitch-6, name)
	}
	b.WriteString("</tr><tr><th></th><th></th>")
	for _, g := range groups {
		for i, n := range g {
			fmt.Fprintf(b, "<th class=\"col%s\"><span>%s</span></th>", startClass(i), html.EscapeString(shortName(v.Endpoints[n])))
		}
	}
	b.WriteString("</tr></thead>\n<tbody>\n")
	for _, sg := range groups {
		for si, src := range sg {
			b.WriteString("<tr>")
			if si == 0 {
				fmt.Fprintf(b, "<th class=\"ns rowns\" rowspan=\"%d\">%s</th>", len(sg), html.EscapeString(groupName(v, sg)))
			}
			fmt.Fprintf(b, "<th class=\"row\">%s</th>", html.EscapeString(shortName(v.Endpoints[src])))
			for _, dg := range groups {
				for di, dst := range dg {
					writeCell(b, v, src, dst, allowed, why, startClass(di))
				}
			}
			b.WriteString("</tr>\n")
		}
	}
	b.WriteString("</tbody></table>\n")
}

func writeCell(b *strings.Builder, v *view, src, dst int, allowed []map[int32]portset.Set, why *explainer, start string) {
	ports, ok := allowed[src][int32(dst)]
	switch {
	case src == dst:
		fmt.Fprintf(b, "<td class=\"s%s\"></td>", start)
	case ok:
		fmt.Fprintf(b, "<td class=\"a%s\" data-t=\"%s\"></td>", start, html.EscapeString(why.allowed(src, dst, ports)))
	case v.Endpoints[src].Kind == enforcer.KindExternal && v.Endpoints[dst].Kind == enforcer.KindExternal:
		fmt.Fprintf(b, "<td class=\"s%s\"></td>", start) // not in the matrix
	default:
		fmt.Fprintf(b, "<td class=\"d%s\" data-t=\"%s\"></td>", start, html.EscapeString(why.denied(src, dst)))
	}
}

// startClass marks the first column of a namespace (a thicker rule).
func startClass(i int) string {
	if i == 0 {
		return " st"
	}
	return ""
}

// viewGroups are the runs of view nodes sharing a namespace.
func viewGroups(v *view) [][]int {
	var out [][]int
	for n, ep := range v.Endpoints {
		if n == 0 || ep.Namespace != v.Endpoints[n-1].Namespace || ep.Kind != v.Endpoints[n-1].Kind && ep.Kind == enforcer.KindExternal {
			out = append(out, nil)
		}
		out[len(out)-1] = append(out[len(out)-1], n)
	}
	return out
}

func groupName(v *view, g []int) string {
	if ep := v.Endpoints[g[0]]; ep.Kind != enforcer.KindExternal {
		return ep.Namespace
	}
	return "outside the cluster"
}

func shortName(ep enforcer.Endpoint) string {
	if ep.Namespace == "" {
		return ep.Name
	}
	return strings.TrimPrefix(ep.Name, ep.Namespace+"/")
}

const htmlCSS = `
body{font:14px/1.4 Helvetica,Arial,sans-serif;margin:24px;color:#1d2b45;background:#fff}
h1{font-size:20px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}
table.m{border-collapse:collapse}
table.m th{font-weight:normal;font-size:12px;padding:2px 6px;white-space:nowrap}
table.m th.ns{font-weight:bold;background:#eef1f7;border:1px solid #c9d1e0}
table.m .nsn{overflow:hidden;text-overflow:ellipsis;white-space:nowrap;margin:0 auto}
table.m th.row{text-align:right}
table.m th.col{height:110px;vertical-align:bottom;padding:0}
table.m th.col span{display:inline-block;writing-mode:vertical-rl;transform:rotate(180deg);padding:4px 0}
table.m td{width:18px;height:18px;border:1px solid #fff;padding:0}
table.m td.st,table.m th.st{border-left:2px solid #8090aa}
td.a{background:` + allowedColour + `}td.d{background:` + deniedColour + `}td.s{background:#d5d8de}
td.a:hover,td.d:hover{outline:2px solid #1d2b45}
#tip{position:fixed;max-width:560px;background:#1d2b45;color:#fff;font:12px/1.45 Menlo,monospace;padding:8px 10px;border-radius:4px;white-space:pre-wrap;pointer-events:none;z-index:9}
svg text{font:11px Helvetica,Arial,sans-serif}
svg .lbl{font-size:10px;fill:#1d2b45;paint-order:stroke;stroke:#fff;stroke-width:3px}
`

const htmlJS = `
(function(){
var tip=document.getElementById('tip');
document.addEventListener('mouseover',function(e){
var c=e.target.closest?e.target.closest('[data-t]'):null;
if(!c){tip.hidden=true;return}
tip.textContent=c.getAttribute('data-t');tip.hidden=false;
var x=e.clientX+14,y=e.clientY+14;
tip.style.left=Math.min(x,window.innerWidth-tip.offsetWidth-8)+'px';
tip.style.top=Math.min(y,window.innerHeight-tip.offsetHeight-8)+'px';
});
document.body.setAttribute('data-ready','1');
})();
`
