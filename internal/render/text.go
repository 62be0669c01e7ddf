package render

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/netpolc/netpolc/enforcer"
)

// Text writes an aligned table, one allowed connection a line.
type Text struct{}

// Format implements Formatter.
func (Text) Format(w io.Writer, c *enforcer.Connectivity) error {
	if len(c.Connections) == 0 {
		_, err := fmt.Fprintf(w, "no connections allowed between %d endpoints\n", len(c.Endpoints))
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SOURCE\tDESTINATION\tPORTS")
	for _, conn := range c.Connections {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", conn.Src, conn.Dst, portsLabel(conn))
	}
	return tw.Flush()
}
