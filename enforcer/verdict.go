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
// ("ip:FIRST-LAST", evaluated at its first address) or an IP address (a
// known pod IP stands for its endpoint; any other address is external).
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
	sg, err := m.resolve(src)
	if err != nil {
		return Verdict{}, err
	}
	dg, err := m.resolve(dst)
	if err != nil {
		return Verdict{}, err
	}
	s, t := m.groups[sg], m.groups[dg]
	if s.external && t.external {
		return Verdict{}, fmt.Errorf("%w: neither %s nor %s is an endpoint", ErrUnknownEndpoint, src, dst)
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

// resolve finds the group of an endpoint ID, external peer name or IP.
func (m *Model) resolve(name string) (int32, error) {
	if i, ok := m.byID[name]; ok {
		return m.epGroup[i], nil
	}
	addrStr := name
	if rest, ok := strings.CutPrefix(name, "ip:"); ok {
		addrStr = firstOfRange(rest)
	}
	addr, err := netip.ParseAddr(addrStr)
	if err != nil {
		return 0, fmt.Errorf("%w: %s", ErrUnknownEndpoint, name)
	}
	addr = addr.Unmap()
	if i, ok := m.byIP[addr]; ok && !strings.HasPrefix(name, "ip:") {
		return m.epGroup[i], nil
	}
	if a := m.at.atomOf(addr); a >= 0 {
		return m.atomGroup[a], nil
	}
	return m.otherGroup, nil
}

// firstOfRange takes FIRST out of "FIRST-LAST" (IPv6 addresses contain no
// '-', so the first dash separates).
func firstOfRange(s string) string {
	first, _, _ := strings.Cut(s, "-")
	return first
}
