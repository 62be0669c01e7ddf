package render

import (
	"bytes"
	"encoding/csv"
	"io"
	"strings"

	"github.com/netpolc/netpolc/enforcer"
)

// CSV writes "src,dst,ports" rows; ports are "all" or the port strings
// joined by ";". Fields are quoted as encoding/csv quotes them (each
// one is encoded by it once).
type CSV struct{}

// Write implements Formatter.
func (CSV) Write(w io.Writer, s *enforcer.Stream, _ Options) error {
	pw := newPairWriter(w)
	pw.WriteString("src,dst,ports\n")
	names := make([][]byte, s.Nodes()) // each followed by the comma
	for n, ep := range s.Endpoints {
		names[n] = append(csvField(ep.Name), ',')
	}
	ports := make([][]byte, len(s.PortSets))
	for i, p := range s.PortSets {
		text := "all"
		if !p.IsAll() {
			text = strings.Join(p.Strings(), ";")
		}
		ports[i] = append(csvField(text), '\n')
	}
	_, err := pw.pairs(s, func(b []byte, c *enforcer.Cursor, n int) []byte {
		for _, t := range c.Targets(n) {
			b = append(append(append(b, names[n]...), names[t.Node]...), ports[t.Ports]...)
		}
		return b
	})
	return pw.finish(err)
}

// csvField is s as encoding/csv writes it as a field of a row of three
// (a lone empty field would be quoted).
func csvField(s string) []byte {
	var b bytes.Buffer
	cw := csv.NewWriter(&b)
	_ = cw.Write([]string{"x", s}) // into memory: cannot fail
	cw.Flush()
	return bytes.TrimSuffix(b.Bytes()[2:], []byte("\n"))
}
