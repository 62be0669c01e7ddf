package lint

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/explain"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/portset"
)

// shownFlows is how many breaking flows a guardrail finding lists.
const shownFlows = 5

// guardrails checks every guardrail against the model. A broken guardrail
// is an error at its position that lists the first flows breaking it and
// the rules that allow them; a pattern that matches nothing the model
// knows is an error too, since a misspelt guardrail would otherwise hold
// vacuously forever.
func guardrails(in Input, out *diag.List) {
	gs := in.Compiled.Policy.Guardrails
	if len(gs) == 0 {
		return
	}
	ck := newGuardChecker(in)
	for _, g := range gs {
		if !ck.patternsKnown(g, out) {
			continue
		}
		if g.Kind == ir.DefaultDeny {
			ck.defaultDeny(g, out)
			continue
		}
		ck.flows(g, out)
	}
}

// guardChecker matches patterns against the model's nodes.
type guardChecker struct {
	in     Input
	conn   *enforcer.Connectivity
	eps    map[string]inventory.Endpoint
	nsLbls map[string]map[string]string
}

func newGuardChecker(in Input) *guardChecker {
	ck := &guardChecker{in: in, conn: in.matrix(), eps: map[string]inventory.Endpoint{}, nsLbls: map[string]map[string]string{}}
	for _, ep := range in.Inventory.Endpoints {
		ck.eps[ep.ID()] = ep
	}
	for _, ns := range in.Inventory.Namespaces {
		ck.nsLbls[ns.Name] = ns.Labels
	}
	return ck
}

// nsLabels are a namespace's labels (its metadata-name label when the
// inventory has no Namespace object for it).
func (ck *guardChecker) nsLabels(ns string) map[string]string {
	if l, ok := ck.nsLbls[ns]; ok {
		return l
	}
	return map[string]string{inventory.MetadataNameLabel: ns}
}

// patternsKnown reports (as errors) workload and namespace names the
// model does not know.
func (ck *guardChecker) patternsKnown(g ir.Guardrail, out *diag.List) bool {
	ok := true
	bad := func(format string, args ...any) {
		out.Add(g.Pos(), guardPath(g), "fix the name; a guardrail about nothing always holds", format, args...)
		ok = false
	}
	for _, p := range append(append([]ir.EndpointPattern{}, g.From...), g.To...) {
		switch {
		case p.Workload != "":
			if _, known := ck.eps[p.Workload]; !known {
				bad("guardrail %q names workload %s, which the model does not know", g.Name, p.Workload)
			}
		case p.Namespace != "" && !ck.hasNamespace(p.Namespace):
			bad("guardrail %q names namespace %s, which the model does not know", g.Name, p.Namespace)
		}
	}
	for _, ns := range append(append([]string{}, g.Namespaces...), g.Except...) {
		if !ck.hasNamespace(ns) {
			bad("guardrail %q names namespace %s, which the model does not know", g.Name, ns)
		}
	}
	return ok
}

func (ck *guardChecker) hasNamespace(ns string) bool {
	if _, ok := ck.nsLbls[ns]; ok {
		return true
	}
	for _, ep := range ck.in.Inventory.Endpoints {
		if ep.Namespace == ns {
			return true
		}
	}
	return false
}

// violation is one flow that breaks a guardrail.
type violation struct {
	src, dst string
	ports    portset.Set
}

// flows checks the flow guardrails (deny, onlyFrom, onlyTo,
// noIngressFromWorld) over every connection of the matrix.
func (ck *guardChecker) flows(g ir.Guardrail, out *diag.List) {
	var vs []violation
	someFrom, someTo := memo(ck.some, g.From), memo(ck.some, g.To)
	everyFrom, everyTo := memo(ck.every, g.From), memo(ck.every, g.To)
	for _, c := range ck.conn.Connections {
		var breaks bool
		switch g.Kind {
		case ir.OnlyFrom:
			breaks = someTo(c.Dst) && !everyFrom(c.Src)
		case ir.OnlyTo:
			breaks = someFrom(c.Src) && !everyTo(c.Dst)
		case ir.NoIngressFromWorld: // directly, or through an ingress controller
			breaks = (someFrom(c.Src) || inventory.IsController(c.Src)) && someTo(c.Dst)
		default: // deny
			breaks = someFrom(c.Src) && someTo(c.Dst)
		}
		if !breaks {
			continue
		}
		if p := ck.restrict(g.Ports, c.Dst, c.Ports); !p.IsEmpty() {
			vs = append(vs, violation{c.Src, c.Dst, p})
		}
	}
	if len(vs) == 0 {
		return
	}
	lines := make([]string, 0, shownFlows+1)
	for i, v := range vs {
		if i == shownFlows {
			lines = append(lines, fmt.Sprintf("… and %d more", len(vs)-shownFlows))
			break
		}
		line := fmt.Sprintf("%s → %s %s", v.src, v.dst, v.ports)
		if o := explain.Origins(ck.in.Model, v.src, v.dst, v.ports); len(o) > 0 {
			line += "  ← " + strings.Join(o, ", ")
		}
		lines = append(lines, line)
	}
	out.Add(g.Pos(), guardPath(g), guardHint,
		"guardrail broken: %s%s; %d flow(s) allowed:\n        %s",
		describeGuardrail(g), reason(g), len(vs), strings.Join(lines, "\n        "))
}

const guardHint = "change the intents that allow these flows (lines after ←), or the guardrail if the change is intended and reviewed"

// defaultDeny checks that every known workload of the namespaces is
// isolated in each direction.
func (ck *guardChecker) defaultDeny(g ir.Guardrail, out *diag.List) {
	want := map[string]bool{}
	if len(g.Namespaces) > 0 {
		for _, ns := range g.Namespaces {
			want[ns] = true
		}
	} else {
		for _, ns := range ck.in.Compiled.Policy.Namespaces {
			want[ns.Name] = true
		}
		for _, ns := range g.Except {
			delete(want, ns)
		}
	}
	probe := "0.0.0.0"
	if ext := ck.in.Model.ExternalPeers(); len(ext) > 0 {
		probe = ext[0]
	}
	var open []string
	for _, ep := range ck.in.Inventory.Endpoints {
		if !want[ep.Namespace] {
			continue
		}
		var dirs []string
		for _, d := range g.Directions {
			if !ck.isolated(ep.ID(), probe, d) {
				dirs = append(dirs, strings.ToLower(string(d)))
			}
		}
		if len(dirs) > 0 {
			open = append(open, fmt.Sprintf("%s is not isolated for %s", ep.ID(), strings.Join(dirs, " and ")))
		}
	}
	if len(open) == 0 {
		return
	}
	if len(open) > shownFlows {
		open = append(open[:shownFlows], fmt.Sprintf("… and %d more", len(open)-shownFlows))
	}
	out.Add(g.Pos(), guardPath(g), "add templates.#DefaultDeny for the namespace, or leave it out of the guardrail",
		"guardrail broken: %s%s:\n        %s", describeGuardrail(g), reason(g), strings.Join(open, "\n        "))
}

// isolated reports whether an endpoint is deny-by-default in a direction:
// some NetworkPolicy isolates it, or the baseline tier denies what nothing
// allows. The isolating policies do not depend on the port probed.
func (ck *guardChecker) isolated(id, probe string, d ir.Direction) bool {
	src, dst := probe, id
	if d == ir.Egress {
		src, dst = id, probe
	}
	v, err := ck.in.Model.Verdict(src, dst, portset.TCP, 1)
	if err != nil {
		return false
	}
	dv := v.Ingress
	if d == ir.Egress {
		dv = v.Egress
	}
	return len(dv.Isolating) > 0 || (dv.Layer == enforcer.LayerBaseline && !dv.Allowed)
}

// restrict narrows a connection's ports to the guardrail's (named ports
// resolve on the destination).
func (ck *guardChecker) restrict(ports []ir.Port, dst string, allowed portset.Set) portset.Set {
	if ports == nil {
		return allowed
	}
	var want portset.Set
	for _, p := range ports {
		proto, err := portset.ParseProtocol(p.Protocol.String())
		if err != nil {
			proto = portset.TCP
		}
		switch {
		case p.Name != "":
			if n, err := ck.in.Model.NamedPort(dst, p.Name, proto); err == nil {
				want = want.Union(portset.Port(proto, n))
			}
		case p.Number == 0:
			want = want.Union(portset.AllPorts(proto))
		case p.End > 0:
			want = want.Union(portset.PortRange(proto, p.Number, p.End))
		default:
			want = want.Union(portset.Port(proto, p.Number))
		}
	}
	return allowed.Intersect(want)
}

// memo caches a matcher per node name: the matrix names each node in
// many connections, and selector matching is not free.
func memo(match func([]ir.EndpointPattern, string) bool, pats []ir.EndpointPattern) func(string) bool {
	cache := map[string]bool{}
	return func(node string) bool {
		v, ok := cache[node]
		if !ok {
			v = match(pats, node)
			cache[node] = v
		}
		return v
	}
}

// some reports whether a pattern matches a node: for an external range,
// whether it overlaps (so some address of the range matches; every address
// of a range behaves the same in the model).
func (ck *guardChecker) some(pats []ir.EndpointPattern, node string) bool {
	if name, ok := strings.CutPrefix(node, enforcer.FQDNPrefix); ok {
		return fqdnMatch(pats, name, true)
	}
	lo, hi, external := ipRange(node)
	for _, p := range pats {
		switch {
		case p.Any:
			return true
		case external && p.World:
			return true
		case external && p.CIDR.IsValid():
			plo, phi := prefixRange(p.CIDR)
			if plo.BitLen() == lo.BitLen() && plo.Compare(hi) <= 0 && lo.Compare(phi) <= 0 {
				return true
			}
		case !external && ck.matchesWorkload(p, node):
			return true
		}
	}
	return false
}

// every reports whether the patterns match all of a node: for an external
// range, whether their blocks cover it.
func (ck *guardChecker) every(pats []ir.EndpointPattern, node string) bool {
	if name, ok := strings.CutPrefix(node, enforcer.FQDNPrefix); ok {
		return fqdnMatch(pats, name, false)
	}
	lo, hi, external := ipRange(node)
	if !external {
		return ck.some(pats, node)
	}
	var blocks []netip.Prefix
	for _, p := range pats {
		switch {
		case p.Any, p.World:
			return true
		case p.CIDR.IsValid():
			blocks = append(blocks, p.CIDR)
		}
	}
	return covered(lo, hi, blocks)
}

// matchesWorkload matches a non-external pattern against an endpoint (a
// known ingress controller is matched as its workload).
func (ck *guardChecker) matchesWorkload(p ir.EndpointPattern, id string) bool {
	if w := inventory.ControllerWorkload(id); w != "" {
		id = w
	}
	if p.Workload != "" {
		return p.Workload == id
	}
	ep, ok := ck.eps[id]
	if !ok || p.IsExternal() {
		return false
	}
	switch {
	case p.Namespace != "" && ep.Namespace != p.Namespace:
		return false
	case p.NamespaceSelector != nil && !selects(p.NamespaceSelector, ck.nsLabels(ep.Namespace)):
		return false
	}
	return p.Pods == nil || selects(p.Pods, ep.Labels)
}

// ipRange parses an external node name "ip:FIRST-LAST".
func ipRange(node string) (lo, hi netip.Addr, ok bool) {
	rest, ok := strings.CutPrefix(node, "ip:")
	if !ok {
		return lo, hi, false
	}
	first, last, _ := strings.Cut(rest, "-")
	lo, err1 := netip.ParseAddr(first)
	hi, err2 := netip.ParseAddr(last)
	return lo, hi, err1 == nil && err2 == nil
}

// prefixRange is the first and last address of a block.
func prefixRange(p netip.Prefix) (lo, hi netip.Addr) {
	p = p.Masked()
	lo = p.Addr()
	b := lo.AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 1 << (7 - i%8)
	}
	hi, _ = netip.AddrFromSlice(b)
	return lo, hi
}

// covered reports whether blocks cover every address of lo..hi.
func covered(lo, hi netip.Addr, blocks []netip.Prefix) bool {
	for cur := lo; ; {
		best, found := netip.Addr{}, false
		for _, b := range blocks {
			if b.Contains(cur) {
				if _, last := prefixRange(b); !found || last.Compare(best) > 0 {
					best, found = last, true
				}
			}
		}
		if !found {
			return false
		}
		if best.Compare(hi) >= 0 {
			return true
		}
		cur = best.Next()
	}
}

// describeGuardrail says in words what a guardrail demands.
func describeGuardrail(g ir.Guardrail) string {
	switch g.Kind {
	case ir.NoIngressFromWorld:
		return "nothing outside the cluster may reach " + patterns(g.To)
	case ir.OnlyFrom:
		return patterns(g.To) + " may be reached only from " + patterns(g.From) + onPorts(g.Ports)
	case ir.OnlyTo:
		return patterns(g.From) + " may reach only " + patterns(g.To) + onPorts(g.Ports)
	case ir.DefaultDeny:
		dirs := make([]string, len(g.Directions))
		for i, d := range g.Directions {
			dirs[i] = strings.ToLower(string(d))
		}
		scope := "every namespace"
		if len(g.Namespaces) > 0 {
			scope = "namespaces " + strings.Join(g.Namespaces, ", ")
		} else if len(g.Except) > 0 {
			scope += " but " + strings.Join(g.Except, ", ")
		}
		return scope + " must deny " + strings.Join(dirs, " and ") + " by default"
	}
	return patterns(g.From) + " must not reach " + patterns(g.To) + onPorts(g.Ports)
}

func patterns(ps []ir.EndpointPattern) string {
	texts := make([]string, len(ps))
	for i, p := range ps {
		texts[i] = p.Text
	}
	if len(texts) == 1 {
		return texts[0]
	}
	return "[" + strings.Join(texts, ", ") + "]"
}

func onPorts(ps []ir.Port) string {
	if len(ps) == 0 {
		return ""
	}
	parts := make([]string, len(ps))
	for i, p := range ps {
		switch {
		case p.Name != "":
			parts[i] = p.Protocol.String() + "/" + p.Name
		case p.Number == 0:
			parts[i] = p.Protocol.String()
		case p.End > 0:
			parts[i] = fmt.Sprintf("%s/%d-%d", p.Protocol, p.Number, p.End)
		default:
			parts[i] = fmt.Sprintf("%s/%d", p.Protocol, p.Number)
		}
	}
	return " on " + strings.Join(parts, ", ")
}

func reason(g ir.Guardrail) string {
	if g.Reason == "" {
		return ""
	}
	return " (" + g.Reason + ")"
}

// guardPath is the CUE path of a guardrail, quoting names that are not
// identifiers.
func guardPath(g ir.Guardrail) string {
	for _, r := range g.Name {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return fmt.Sprintf("guardrails.%q", g.Name)
		}
	}
	return "guardrails." + g.Name
}

// fqdnMatch matches patterns against a DNS-name node: "*" and "world"
// match every name (it resolves to addresses outside the cluster), an
// fqdn pattern the names it covers (some: or that overlap it); CIDRs and
// workload patterns never match a name.
func fqdnMatch(pats []ir.EndpointPattern, name string, some bool) bool {
	for _, p := range pats {
		switch {
		case p.Any, p.World:
			return true
		case p.FQDN != "":
			covers, err := enforcer.FQDNCovers(p.FQDN, name)
			if err == nil && covers {
				return true
			}
			if inside, err := enforcer.FQDNCovers(name, p.FQDN); some && err == nil && inside {
				return true
			}
		}
	}
	return false
}
