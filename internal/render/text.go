package render

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/netpolc/netpolc/enforcer"
)

// Text writes an aligned table, one allowed connection a line, or, past
// foldAbove pairs, the folded table (see fold.go).
type Text struct{}

// Write implements Formatter.
func (Text) Write(w io.Writer, es *enforcer.Stream, o Options) error {
	s := displayView(es)
	total := s.Pairs()
	if total == 0 {
		_, err := fmt.Fprintf(w, "no connections allowed between %d endpoints\n", s.Nodes())
		return err
	}
	if !o.Full && total > foldAbove {
		return writeFolded(w, s, total, textTable)
	}
	// The columns are as wide as text/tabwriter makes them: the widest
	// cell of the column, then two spaces. A node is in the source
	// column when it has a pair, in the destination column when some
	// pair reaches it.
	srcWidth, dstWidth := len("SOURCE"), len("DESTINATION")
	reached := s.Reached()
	for n, ep := range s.Endpoints {
		if s.Count(n) > 0 {
			srcWidth = max(srcWidth, utf8.RuneCountInString(ep.Name))
		}
		if reached[n] {
			dstWidth = max(dstWidth, utf8.RuneCountInString(ep.Name))
		}
	}
	pad := func(text string, width int) []byte {
		return []byte(text + strings.Repeat(" ", width+2-utf8.RuneCountInString(text)))
	}
	pw := newPairWriter(w)
	pw.Write(pad("SOURCE", srcWidth))
	pw.Write(pad("DESTINATION", dstWidth))
	pw.WriteString("PORTS\n")
	src, dst := make([][]byte, s.Nodes()), make([][]byte, s.Nodes())
	for n, ep := range s.Endpoints {
		if s.Count(n) > 0 {
			src[n] = pad(ep.Name, srcWidth)
		}
		if reached[n] {
			dst[n] = pad(ep.Name, dstWidth)
		}
	}
	ports := make([][]byte, len(s.PortSets))
	for i, p := range s.PortSets {
		ports[i] = []byte(p.String() + "\n")
	}
	_, err := pw.viewPairs(s, func(b []byte, c *viewCursor, n int) []byte {
		for _, t := range c.Targets(n) {
			b = append(append(append(b, src[n]...), dst[t.Node]...), ports[t.Ports]...)
		}
		return b
	})
	return pw.finish(err)
}

// textTable writes a folded matrix as an aligned table under its
// headline.
func textTable(w io.Writer, head string, cells [][4]string) error {
	pw := newPairWriter(w)
	fmt.Fprintf(pw, "%s (--full lists every pair):\n", head)
	tw := tabwriter.NewWriter(pw, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SOURCES\tDESTINATIONS\tPORTS\tPAIRS")
	for _, c := range cells {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c[0], c[1], c[2], c[3])
	}
	return pw.finish(tw.Flush())
}
