package render

// The formatters stream; these are the formatters as they were, writing a
// materialised matrix, the reference the streamed bytes must equal.

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/netpolc/netpolc/enforcer"
)

// portsLabel renders a connection's ports on one line.
func portsLabel(c enforcer.Connection) string { return c.Ports.String() }

type legacyText struct{}

func (legacyText) Format(w io.Writer, c *enforcer.Connectivity) error {
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

type legacyMarkdown struct{}

func (legacyMarkdown) Format(w io.Writer, c *enforcer.Connectivity) error {
	var b strings.Builder
	b.WriteString("| Source | Destination | Ports |\n| --- | --- | --- |\n")
	for _, conn := range c.Connections {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", mdEscape(conn.Src), mdEscape(conn.Dst), mdEscape(portsLabel(conn)))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

type legacyJSON struct{}

func (legacyJSON) Format(w io.Writer, c *enforcer.Connectivity) error {
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(data, '\n'))
	return err
}

type legacyCSV struct{}

func (legacyCSV) Format(w io.Writer, c *enforcer.Connectivity) error {
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

type legacyDOT struct{}

func (legacyDOT) Format(w io.Writer, c *enforcer.Connectivity) error {
	var b strings.Builder
	b.WriteString("digraph connectivity {\n  rankdir=LR;\n  node [shape=box];\n")
	for _, group := range byNamespace(c.Endpoints) {
		indent := "  "
		if ns := group[0].Namespace; ns != "" {
			fmt.Fprintf(&b, "  subgraph %s {\n    label=%s;\n", strconv.Quote("cluster_"+ns), strconv.Quote(ns))
			indent = "    "
		}
		for _, ep := range group {
			shape := ""
			if ep.Kind == enforcer.KindExternal {
				shape = " shape=ellipse"
			}
			fmt.Fprintf(&b, "%s%s [label=%s%s];\n", indent, strconv.Quote(ep.Name), strconv.Quote(ep.Name), shape)
		}
		if group[0].Namespace != "" {
			b.WriteString("  }\n")
		}
	}
	for _, conn := range c.Connections {
		fmt.Fprintf(&b, "  %s -> %s [label=%s];\n", strconv.Quote(conn.Src), strconv.Quote(conn.Dst), strconv.Quote(portsLabel(conn)))
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

type legacyMermaid struct{}

func (legacyMermaid) Format(w io.Writer, c *enforcer.Connectivity) error {
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
