package render

import (
	"fmt"
	"io"
	"strings"

	"github.com/netpolc/netpolc/enforcer"
)

// Markdown writes a Markdown table, one allowed connection a row.
type Markdown struct{}

// Format implements Formatter.
func (Markdown) Format(w io.Writer, c *enforcer.Connectivity) error {
	var b strings.Builder
	b.WriteString("| Source | Destination | Ports |\n| --- | --- | --- |\n")
	for _, conn := range c.Connections {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", mdEscape(conn.Src), mdEscape(conn.Dst), mdEscape(portsLabel(conn)))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// mdEscape keeps a cell inside its column.
func mdEscape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
