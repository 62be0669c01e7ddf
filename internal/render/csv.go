package render

import (
	"encoding/csv"
	"io"
	"strings"

	"github.com/netpolc/netpolc/enforcer"
)

// CSV writes "src,dst,ports" rows; ports are "all" or the port strings
// joined by ";".
type CSV struct{}

// Format implements Formatter.
func (CSV) Format(w io.Writer, c *enforcer.Connectivity) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"src", "dst", "ports"}); err != nil {
		return err
	}
	for _, conn := range c.Connections {
		ports := "all"
		if !conn.Ports.IsAll() {
			ports = strings.Join(conn.Ports.Strings(), ";")
		}
		if err := cw.Write([]string{conn.Src, conn.Dst, ports}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
