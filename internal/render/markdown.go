package render

import (
	"fmt"
	"io"
	"strings"

	"github.com/netpolc/netpolc/enforcer"
)

// Markdown writes a Markdown table, one allowed connection a row, or, past
// foldAbove pairs, the folded table (see fold.go).
type Markdown struct{}

// Write implements Formatter.
func (Markdown) Write(w io.Writer, es *enforcer.Stream, o Options) error {
	s := displayView(es)
	if total := s.Pairs(); !o.Full && total > foldAbove {
		return writeFolded(w, s, total, markdownTable)
	}
	pw := newPairWriter(w)
	pw.WriteString("| Source | Destination | Ports |\n| --- | --- | --- |\n")
	src, dst := make([][]byte, s.Nodes()), make([][]byte, s.Nodes())
	for n, ep := range s.Endpoints {
		src[n], dst[n] = []byte("| "+mdEscape(ep.Name)+" | "), []byte(mdEscape(ep.Name)+" | ")
	}
	ports := make([][]byte, len(s.PortSets))
	for i, p := range s.PortSets {
		ports[i] = []byte(mdEscape(p.String()) + " |\n")
	}
	_, err := pw.viewPairs(s, func(b []byte, c *viewCursor, n int) []byte {
		for _, t := range c.Targets(n) {
			b = append(append(append(b, src[n]...), dst[t.Node]...), ports[t.Ports]...)
		}
		return b
	})
	return pw.finish(err)
}

// mdEscape keeps a cell inside its column.
func mdEscape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// markdownTable writes a folded matrix as a Markdown table under its
// headline.
func markdownTable(w io.Writer, head string, cells [][4]string) error {
	pw := newPairWriter(w)
	fmt.Fprintf(pw, "%s (`--full` lists every pair).\n\n| Sources | Destinations | Ports | Pairs |\n| --- | --- | --- | --- |\n", head)
	for _, c := range cells {
		fmt.Fprintf(pw, "| %s | %s | %s | %s |\n", mdEscape(c[0]), mdEscape(c[1]), mdEscape(c[2]), c[3])
	}
	return pw.finish(nil)
}
