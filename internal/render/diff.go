package render

import (
	"fmt"
	"io"
	"strings"

	"github.com/netpolc/netpolc/enforcer"
)

// WriteDiff writes a connectivity delta as text, one flow a line:
// "+ src -> dst ports" opened, "- src -> dst ports" closed, and
// "~ src -> dst before => after" changed. An empty delta writes
// "no connectivity change".
func WriteDiff(w io.Writer, d *enforcer.Delta) error {
	var b strings.Builder
	if d.Empty() {
		b.WriteString("no connectivity change\n")
	}
	for _, c := range d.Opened {
		fmt.Fprintf(&b, "+ %s -> %s %s\n", c.Src, c.Dst, c.After)
	}
	for _, c := range d.Closed {
		fmt.Fprintf(&b, "- %s -> %s %s\n", c.Src, c.Dst, c.Before)
	}
	for _, c := range d.Changed {
		fmt.Fprintf(&b, "~ %s -> %s %s => %s\n", c.Src, c.Dst, c.Before, c.After)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
