package render

import (
	"fmt"
	"io"
	"strings"

	"github.com/netpolc/netpolc/enforcer"
)

// Mermaid writes a Mermaid flowchart: one subgraph per namespace, nodes
// with generated IDs (n0, n1, …) labelled with their names, and one
// labelled edge per allowed connection.
type Mermaid struct{}

// Format implements Formatter.
func (Mermaid) Format(w io.Writer, c *enforcer.Connectivity) error {
	var b strings.Builder
	b.WriteString("flowchart LR\n")
	ids := make(map[string]string, len(c.Endpoints))
	for gi, group := range byNamespace(c.Endpoints) {
		indent := "  "
		if ns := group[0].Namespace; ns != "" {
			fmt.Fprintf(&b, "  subgraph ns%d [%s]\n", gi, mermaidText(ns))
			indent = "    "
		}
		for _, ep := range group {
			id := fmt.Sprintf("n%d", len(ids))
			ids[ep.Name] = id
			open, close := "[", "]"
			if ep.Kind == enforcer.KindExternal {
				open, close = "([", "])"
			}
			fmt.Fprintf(&b, "%s%s%s%s%s\n", indent, id, open, mermaidText(ep.Name), close)
		}
		if group[0].Namespace != "" {
			b.WriteString("  end\n")
		}
	}
	for _, conn := range c.Connections {
		src, dst := ids[conn.Src], ids[conn.Dst]
		if src == "" || dst == "" {
			return fmt.Errorf("connection %s -> %s names an endpoint the matrix does not list", conn.Src, conn.Dst)
		}
		// Port labels hold only letters, digits, '/', '-' and ',': safe unquoted.
		fmt.Fprintf(&b, "  %s -->|%s| %s\n", src, portsLabel(conn), dst)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// mermaidText quotes a label, escaping the quote character Mermaid's way.
func mermaidText(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, "#quot;") + `"`
}
