package render

// The formatters stream; these are the formatters as they were, writing a
// materialised matrix, the reference the streamed bytes must equal (dot
// and mermaid, drawn for people, are pinned by golden files and checked
// rendered by graphviz instead).

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/netset"
)

// portsLabel renders a connection's ports on one line.
func portsLabel(c enforcer.Connection) string { return c.Ports.String() }

type legacyText struct{}

func (legacyText) Format(w io.Writer, c *enforcer.Connectivity) error {
	c = legacyDisplay(c)
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
	c = legacyDisplay(c)
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

// legacyDisplay merges the external peers of a materialised matrix as
// the human formats show them, the slow way: peers with the same
// connections (other end and ports, both ways) are one, named by
// netset.Set.Display, standing where their lowest range stood.
func legacyDisplay(c *enforcer.Connectivity) *enforcer.Connectivity {
	key := map[string]string{}
	var world netset.Set
	for _, ep := range c.Endpoints {
		if r, ok := netset.ParseName(ep.Name); ok && ep.Kind == enforcer.KindExternal {
			world = append(world, r)
			key[ep.Name] = "out:"
		}
	}
	for _, conn := range c.Connections {
		if _, ok := key[conn.Src]; ok {
			key[conn.Src] = strings.Replace(key[conn.Src], "out:", "out:"+conn.Dst+"="+conn.Ports.String()+",", 1)
		}
		if _, ok := key[conn.Dst]; ok {
			key[conn.Dst] += conn.Src + "=" + conn.Ports.String() + ","
		}
	}
	members, repOf := map[string]netset.Set{}, map[string]string{}
	for _, ep := range c.Endpoints {
		if k, ok := key[ep.Name]; ok {
			r, _ := netset.ParseName(ep.Name)
			if _, seen := members[k]; !seen {
				repOf[k] = ep.Name
			}
			members[k] = append(members[k], r)
		}
	}
	name := map[string]string{} // a rep's range name → its display name
	for k, rep := range repOf {
		name[rep] = members[k].Display(world)
	}
	out := &enforcer.Connectivity{}
	for _, ep := range c.Endpoints {
		if _, ext := key[ep.Name]; !ext {
			out.Endpoints = append(out.Endpoints, ep)
		} else if n, rep := name[ep.Name]; rep {
			out.Endpoints = append(out.Endpoints, enforcer.Endpoint{Name: n, Kind: ep.Kind})
		}
	}
	for _, conn := range c.Connections {
		src, dst := conn.Src, conn.Dst
		if _, ext := key[src]; ext {
			if src = name[src]; src == "" {
				continue
			}
		}
		if _, ext := key[dst]; ext {
			if dst = name[dst]; dst == "" {
				continue
			}
		}
		out.Connections = append(out.Connections, enforcer.Connection{Src: src, Dst: dst, Ports: conn.Ports})
	}
	return out
}
