package enforcer

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/portset"
)

// Verdict is the model's answer for one connection: allowed when egress at
// the source and ingress at the destination both allow it.
type Verdict struct {
	Allowed bool
	Egress  DirectionVerdict // evaluated at the source
	Ingress DirectionVerdict // evaluated at the destination
	// Edge is set when the source is an ingress controller endpoint.
	Edge *EdgeVerdict
}

// DirectionVerdict explains one direction of a connection.
type DirectionVerdict struct {
	Allowed bool
	// Layer is the tier that decided: admin, netpol, baseline, default, or
	// none when this end is an external address (nothing to evaluate).
	Layer Layer
	// Isolating lists the NetworkPolicies that select the pod in this
	// direction (so only their rules can allow it).
	Isolating []PolicyRef
	// Allowing, Denying and Passing list the rules that matched, in
	// evaluation order: every matching NetworkPolicy rule, and the admin or
	// baseline rules that took a decision.
	Allowing []RuleRef
	Denying  []RuleRef
	Passing  []RuleRef
}

func (tr *DirectionVerdict) setLayer(l Layer) {
	if tr != nil {
		tr.Layer = l
	}
}

func (tr *DirectionVerdict) record(r RuleRef) {
	if tr == nil {
		return
	}
	switch r.Action {
	case ir.Deny:
		tr.Denying = append(tr.Denying, r)
	case ir.Pass:
		tr.Passing = append(tr.Passing, r)
	default:
		tr.Allowing = append(tr.Allowing, r)
	}
}

// Verdict evaluates one connection from src to dst on proto/port. Each end
// is an endpoint ID ("namespace/name"), an external peer name
// ("ip:FIRST-LAST", evaluated at its first address), an IP address (a
// known pod IP stands for its endpoint; any other address is external) or
// a DNS name ("fqdn:api.example.com", a destination only).
// Named ports are resolved against dst beforehand with NamedPort. At least
// one end must be an endpoint. A source may be an ingress controller
// endpoint (EdgeEndpoints): then the destination is a workload, and the
// verdict says which routes lead there (edge.go).
func (m *Model) Verdict(src, dst string, proto portset.Protocol, port int32) (Verdict, error) {
	if n := m.edgeNode(src); n != nil {
		return m.edgeVerdict(n, dst, proto, port)
	}
	if m.edgeNode(dst) != nil {
		return Verdict{}, fmt.Errorf("%w: %s is an ingress controller, a source only", ErrUnknownEndpoint, dst)
	}
	s, err := m.resolve(src)
	if err != nil {
		return Verdict{}, err
	}
	t, err := m.resolve(dst)
	if err != nil {
		return Verdict{}, err
	}
	if s.external && t.external {
		return Verdict{}, fmt.Errorf("%w: neither %s nor %s is an endpoint", ErrUnknownEndpoint, src, dst)
	}
	if s.fqdn != nil {
		return Verdict{}, fmt.Errorf("%w: %s is a DNS name, which is a destination only (rules name DNS names on egress)", ErrUnknownEndpoint, src)
	}
	query := portset.Port(proto, port)
	v := Verdict{Egress: DirectionVerdict{Layer: LayerNone, Allowed: true},
		Ingress: DirectionVerdict{Layer: LayerNone, Allowed: true}}
	if !s.external {
		q := dirQuery{subj: s.subj[dEgress], peer: t.peerBits[dEgress], dstPorts: t.ports}
		v.Egress.Allowed = !m.evalDir(dEgress, &q, query, &v.Egress).IsEmpty()
	}
	if !t.external {
		q := dirQuery{subj: t.subj[dIngress], peer: s.peerBits[dIngress], dstPorts: t.ports}
		v.Ingress.Allowed = !m.evalDir(dIngress, &q, query, &v.Ingress).IsEmpty()
	}
	v.Allowed = v.Egress.Allowed && v.Ingress.Allowed
	return v, nil
}

// resolve finds the group of an endpoint ID, external peer name, IP or
// DNS name ("fqdn:NAME"; a name no rule spells is evaluated as such, with
// the rules whose patterns match it).
func (m *Model) resolve(name string) (*group, error) {
	if i, ok := m.byID[name]; ok {
		return m.groups[m.epGroup[i]], nil
	}
	if rest, ok := strings.CutPrefix(name, FQDNPrefix); ok {
		return m.nameGroup(rest)
	}
	addrStr := name
	if rest, ok := strings.CutPrefix(name, "ip:"); ok {
		addrStr = firstOfRange(rest)
	}
	addr, err := netip.ParseAddr(addrStr)
	if err != nil {
		return nil, fmt.Errorf("%w: %s", ErrUnknownEndpoint, name)
	}
	addr = addr.Unmap()
	if i, ok := m.byIP[addr]; ok && !strings.HasPrefix(name, "ip:") {
		return m.groups[m.epGroup[i]], nil
	}
	if a := m.at.atomOf(addr); a >= 0 {
		return m.groups[m.atomGroup[a]], nil
	}
	return m.groups[m.otherGroup], nil
}

// nameGroup is the group of a DNS name or pattern: the model's own when a
// rule spells it, else one matched by the peers whose patterns match it.
func (m *Model) nameGroup(s string) (*group, error) {
	f, err := parseFQDN(s)
	if err != nil {
		return nil, fmt.Errorf("%w: %s%s: %w", ErrUnknownEndpoint, FQDNPrefix, s, err)
	}
	for i := range m.fqdns {
		if m.fqdns[i] == f {
			return m.groups[m.fqdnGroup[i]], nil
		}
	}
	g := &group{external: true, fqdn: &f}
	for d := range 2 {
		for id, p := range m.peers[d] {
			if p.kind == peerAll || (p.kind == peerFQDN && p.fqdn.matches(f)) {
				g.peerBits[d].set(int32(id))
			}
		}
	}
	return g, nil
}

// firstOfRange takes FIRST out of "FIRST-LAST" (IPv6 addresses contain no
// '-', so the first dash separates).
func firstOfRange(s string) string {
	first, _, _ := strings.Cut(s, "-")
	return first
}
