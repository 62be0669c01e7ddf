package render

import (
	"fmt"
	"strings"

	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/portset"
)

// explainer writes the hover text of the HTML matrix's cells: the ports,
// and with a model the policies (and the intents they come from) that
// allow a pair, or that isolate its ends when it is denied.
type explainer struct {
	v               *view
	m               *enforcer.Model
	egress, ingress []string // per view node: its isolation, for denied cells
}

func newExplainer(v *view, m *enforcer.Model) *explainer {
	x := &explainer{v: v, m: m}
	if m == nil || v.Nodes() < 2 {
		return x
	}
	x.egress, x.ingress = make([]string, v.Nodes()), make([]string, v.Nodes())
	for n := range v.Nodes() {
		other := 0
		if n == 0 {
			other = 1
		}
		if vd, err := m.Verdict(x.name(n), x.name(other), portset.TCP, 1); err == nil {
			x.egress[n] = isolationLines("egress at "+v.Endpoints[n].Name, vd.Egress)
		}
		if vd, err := m.Verdict(x.name(other), x.name(n), portset.TCP, 1); err == nil {
			x.ingress[n] = isolationLines("ingress at "+v.Endpoints[n].Name, vd.Ingress)
		}
	}
	return x
}

// name is the model's name of view node n (an external peer by its
// lowest range).
func (x *explainer) name(n int) string { return x.v.s.Endpoints[x.v.rep[n]].Name }

func (x *explainer) allowed(src, dst int, ports portset.Set) string {
	text := fmt.Sprintf("%s → %s: allowed %s", x.v.Endpoints[src].Name, x.v.Endpoints[dst].Name, ports)
	if x.m == nil {
		return text
	}
	proto, port := representative(ports)
	vd, err := x.m.Verdict(x.name(src), x.name(dst), proto, port)
	if err != nil {
		return text + "\n(" + err.Error() + ")"
	}
	return text + fmt.Sprintf("\non %s/%d:", proto, port) +
		ruleLines("egress at "+x.v.Endpoints[src].Name, vd.Egress) + ruleLines("ingress at "+x.v.Endpoints[dst].Name, vd.Ingress)
}

func (x *explainer) denied(src, dst int) string {
	text := fmt.Sprintf("%s → %s: denied", x.v.Endpoints[src].Name, x.v.Endpoints[dst].Name)
	if x.egress == nil {
		return text
	}
	return text + x.egress[src] + x.ingress[dst]
}

// representative is the first port a set allows, the one whose rules a
// cell shows.
func representative(ports portset.Set) (portset.Protocol, int32) {
	for _, proto := range portset.Protocols {
		if r := ports.Ranges(proto); len(r) > 0 {
			return proto, int32(r[0].First)
		}
	}
	return portset.TCP, 1
}

// ruleLines lists the rules that allowed one direction.
func ruleLines(title string, d enforcer.DirectionVerdict) string {
	switch {
	case d.Layer == enforcer.LayerNone:
		return "\n" + title + ": not evaluated (an address outside the known pods)"
	case len(d.Isolating) == 0 && len(d.Allowing) == 0:
		return "\n" + title + ": not isolated (no policy selects it)"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n%s: allowed (%s layer) by", title, d.Layer)
	for _, r := range d.Allowing {
		b.WriteString("\n  " + refLine(r.Policy, r.Origin))
	}
	return b.String()
}

// isolationLines says which policies isolate one end in a direction.
func isolationLines(title string, d enforcer.DirectionVerdict) string {
	switch {
	case d.Layer == enforcer.LayerNone:
		return "\n" + title + ": not evaluated (an address outside the known pods)"
	case len(d.Isolating) == 0:
		return "\n" + title + ": not isolated"
	}
	var b strings.Builder
	b.WriteString("\n" + title + ": isolated by")
	for _, p := range d.Isolating {
		b.WriteString("\n  " + refLine(p, p.Origin))
	}
	return b.String()
}

// refLine is "Kind ns/name ← origin".
func refLine(p enforcer.PolicyRef, origin string) string {
	name := p.Name
	if p.Namespace != "" {
		name = p.Namespace + "/" + p.Name
	}
	s := p.Kind + " " + name
	if origin != "" {
		s += "  ← " + origin
	} else if p.Source.File != "" {
		s += " (" + p.Source.String() + ")"
	}
	return s
}
