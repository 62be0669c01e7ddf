package render

import (
	"encoding/json"
	"io"
	"strings"

	"github.com/netpolc/netpolc/enforcer"
)

// JSON writes the ARCHITECTURE.md §3 contract, indented, with a final
// newline: the bytes json.MarshalIndent(c, "", "  ") gives for the
// materialised matrix, written piece by piece. Every string is encoded by
// encoding/json once, so escaping is the same.
type JSON struct{}

// Write implements Formatter.
func (JSON) Write(w io.Writer, s *enforcer.Stream, _ Options) error {
	pw := newPairWriter(w)
	names := make([][]byte, s.Nodes())
	pw.WriteString("{\n  \"endpoints\": [")
	for n, ep := range s.Endpoints {
		names[n] = jsonString(ep.Name)
		if n > 0 {
			pw.WriteByte(',')
		}
		pw.WriteString("\n    {\n      \"name\": ")
		pw.Write(names[n])
		pw.WriteString(",\n      \"namespace\": ")
		pw.Write(jsonString(ep.Namespace))
		pw.WriteString(",\n      \"kind\": ")
		pw.Write(jsonString(ep.Kind))
		pw.WriteString("\n    }")
	}
	if s.Nodes() > 0 {
		pw.WriteString("\n  ")
	}
	pw.WriteString("],\n  \"connections\": [")
	ports := make([][]byte, len(s.PortSets))
	for i, p := range s.PortSets {
		ports[i] = jsonPorts(p.IsAll(), p.Strings())
	}
	// A pair is its source's prefix, its destination's name and its
	// ports' text.
	prefix := make([][]byte, s.Nodes())
	for n, name := range names {
		prefix[n] = append(append([]byte(",\n    {\n      \"src\": "), name...), ",\n      \"dst\": "...)
	}
	pw.drop = 1 // the comma before the first pair
	written, err := pw.pairs(s, func(b []byte, c *enforcer.Cursor, n int) []byte {
		for _, t := range c.Targets(n) {
			b = append(append(append(b, prefix[n]...), names[t.Node]...), ports[t.Ports]...)
		}
		return b
	})
	if written > 0 {
		pw.WriteString("\n  ")
	}
	pw.WriteString("]\n}\n")
	return pw.finish(err)
}

// jsonPorts is the text after a pair's destination: "all" and "ports".
func jsonPorts(all bool, ports []string) []byte {
	var b strings.Builder
	if all {
		b.WriteString(",\n      \"all\": true,\n      \"ports\": []\n    }")
		return []byte(b.String())
	}
	b.WriteString(",\n      \"all\": false,\n      \"ports\": [")
	for i, p := range ports {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("\n        ")
		b.Write(jsonString(p))
	}
	b.WriteString("\n      ]\n    }")
	return []byte(b.String())
}

func jsonString(s string) []byte {
	b, _ := json.Marshal(s) // a string always marshals
	return b
}
