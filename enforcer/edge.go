package enforcer

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"

	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/netset"
	"github.com/netpolc/netpolc/internal/portset"
)

// The edge: ingress controllers as sources of the connections their
// routes send to Services' pods.
//
// Every controller is an endpoint of its own in the matrix, named
// "{ingress-controller}" when the inventory does not hold it and
// "{ingress-controller:NAMESPACE/NAME}" when a controller key is mapped to
// one of its workloads. It reaches a backend on a port only when a route
// of it leads there (the Service's targetPort on that workload) and the
// policies allow the connection:
//
//   - from a known controller workload, as for any pair of workloads
//     (egress at the controller, ingress at the backend);
//   - from "{ingress-controller}", which may be a pod of any namespace
//     with any labels or an address outside the cluster, fail closed: an
//     allowing rule counts only when it allows every source (a rule
//     without peers, or peers whose ipBlocks together cover every IPv4
//     and every IPv6 address), and a deny or pass rule of the admin tiers
//     counts as denying unless it applies to every source (it might name
//     the controller). Its own egress is not evaluated.

// Option adjusts a model built by New.
type Option func(*Model) error

// WithEdge adds the ingress controllers of an edge to the model.
// controllers maps a controller key (inventory.Route.Controller, or "*"
// for every key not listed) to the ID of the workload that is that
// controller; an unmapped controller is "{ingress-controller}". A mapped
// workload the inventory does not hold is an error.
func WithEdge(e inventory.Edge, controllers map[string]string) Option {
	return func(m *Model) error { return m.setEdge(e, controllers) }
}

// edgeNode is one controller endpoint.
type edgeNode struct {
	name   string
	source int // the controller workload's endpoint index; -1 when unknown
	reach  map[int]portset.Set
	routes []inventory.Route
}

func (m *Model) setEdge(e inventory.Edge, controllers map[string]string) error {
	m.services = make(map[string]*inventory.Service, len(e.Services))
	for i := range e.Services {
		m.services[e.Services[i].ID()] = &e.Services[i]
	}
	nodes := map[string]*edgeNode{}
	for _, r := range e.Routes {
		ctrl, ok := controllers[r.Controller]
		if !ok {
			ctrl = controllers["*"]
		}
		n := &edgeNode{name: inventory.UnknownController, source: -1}
		if ctrl != "" {
			i, known := m.byID[ctrl]
			if !known {
				return fmt.Errorf("%w: the ingress controller %s (for %s) is not a workload of the inventory", ErrUnknownEndpoint, ctrl, r.Controller)
			}
			n = &edgeNode{name: "{ingress-controller:" + ctrl + "}", source: i}
		}
		if have, ok := nodes[n.name]; ok {
			n = have
		} else {
			n.reach = map[int]portset.Set{}
			nodes[n.name] = n
			m.edges = append(m.edges, n)
		}
		n.routes = append(n.routes, r)
		for _, t := range r.Targets {
			if i, ok := m.byID[t.Endpoint]; ok {
				n.reach[i] = n.reach[i].Union(portset.Port(t.Protocol, t.Port))
			}
		}
	}
	slices.SortFunc(m.edges, func(a, b *edgeNode) int { return strings.Compare(a.name, b.name) })
	return nil
}

// edgeNode returns the controller endpoint called name, or nil.
func (m *Model) edgeNode(name string) *edgeNode {
	for _, n := range m.edges {
		if n.name == name {
			return n
		}
	}
	return nil
}

// EdgeEndpoints returns the names of the controller endpoints, sorted.
func (m *Model) EdgeEndpoints() []string {
	out := make([]string, len(m.edges))
	for i, n := range m.edges {
		out[i] = n.name
	}
	return out
}

// Service returns the Service with the given ID ("namespace/svc/name").
func (m *Model) Service(id string) (inventory.Service, bool) {
	s, ok := m.services[id]
	if !ok {
		return inventory.Service{}, false
	}
	return *s, true
}

// Services returns the IDs of the model's Services, sorted.
func (m *Model) Services() []string {
	out := make([]string, 0, len(m.services))
	for id := range m.services {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// edgeAllowed is what controller n may open to endpoint dst within query
// (the routed ports are not applied). With v, the verdict's directions
// record the policies involved.
func (m *Model) edgeAllowed(n *edgeNode, dst int, query portset.Set, v *Verdict) portset.Set {
	t := m.groups[m.epGroup[dst]]
	var eg, in *DirectionVerdict
	if v != nil {
		eg, in = &v.Egress, &v.Ingress
	}
	qi := dirQuery{subj: t.subj[dIngress], dstPorts: t.ports, unknown: n.source < 0}
	allowed := query
	if n.source >= 0 {
		s := m.groups[m.epGroup[n.source]]
		qe := dirQuery{subj: s.subj[dEgress], peer: t.peerBits[dEgress], dstPorts: t.ports}
		allowed = m.evalDir(dEgress, &qe, query, eg)
		if eg != nil {
			eg.Allowed = !allowed.IsEmpty()
		}
		qi.peer = s.peerBits[dIngress]
	}
	ing := m.evalDir(dIngress, &qi, query, in)
	if in != nil {
		in.Allowed = !ing.IsEmpty()
	}
	return allowed.Intersect(ing)
}

// edgeVerdict is Verdict from a controller endpoint.
func (m *Model) edgeVerdict(n *edgeNode, dst string, proto portset.Protocol, port int32) (Verdict, error) {
	i, ok := m.byID[dst]
	if !ok {
		return Verdict{}, fmt.Errorf("%w: %s (an ingress controller reaches workloads only)", ErrUnknownEndpoint, dst)
	}
	query := portset.Port(proto, port)
	v := Verdict{Egress: DirectionVerdict{Layer: LayerNone, Allowed: true}, Edge: &EdgeVerdict{Unknown: n.source < 0}}
	if n.source >= 0 {
		v.Edge.Controller = m.endpoints[n.source].ID()
	}
	m.edgeAllowed(n, i, query, &v)
	for _, r := range n.routes {
		for _, t := range r.Targets {
			if t.Endpoint == dst && query.Contains(t.Protocol, t.Port) {
				v.Edge.Routes = append(v.Edge.Routes, r)
				break
			}
		}
	}
	v.Allowed = v.Egress.Allowed && v.Ingress.Allowed && len(v.Edge.Routes) > 0
	return v, nil
}

// EdgeVerdict is what a verdict from a controller endpoint adds.
type EdgeVerdict struct {
	// Controller is the controller's workload, "" when unknown.
	Controller string
	// Unknown is set for "{ingress-controller}" (see the package's edge
	// notes for how rules match it).
	Unknown bool
	// Routes are the controller's routes that lead to the destination on
	// the port; none means nothing sends the controller's traffic there.
	Routes []inventory.Route
}

// addEdges adds the controller endpoints and their connections to a
// materialised matrix (unsorted).
func (m *Model) addEdges(c *Connectivity) {
	for _, n := range m.edges {
		ns := ""
		if n.source >= 0 {
			ns = m.endpoints[n.source].Namespace
		}
		c.Endpoints = append(c.Endpoints, Endpoint{Name: n.name, Namespace: ns, Kind: kindIngressController})
		for _, dst := range slices.Sorted(maps.Keys(n.reach)) {
			if p := m.edgeAllowed(n, dst, n.reach[dst], nil); !p.IsEmpty() {
				c.Connections = append(c.Connections, Connection{Src: n.name, Dst: m.endpoints[dst].ID(), Ports: p})
			}
		}
	}
}

// kindIngressController is the Kind of the controller endpoints in a
// Connectivity.
const kindIngressController = "IngressController"

// everyone reports whether a rule's peers match every possible source or
// destination: one matches everything, or their address blocks together
// cover all of IPv4 and IPv6.
func everyone(peers []peer) bool {
	var all netset.Set
	for _, p := range peers {
		switch p.kind {
		case peerAll:
			return true
		case peerBlock:
			for _, r := range p.block {
				all = all.Union(r)
			}
		}
	}
	return all.Merge().Key() == worldKey
}

// worldKey is the key of the set of every address.
var worldKey = netset.Set{
	{First: netip.IPv4Unspecified(), Last: netip.AddrFrom4([4]byte{255, 255, 255, 255})},
	{First: netip.IPv6Unspecified(), Last: netip.AddrFrom16([16]byte{0: 255, 1: 255, 2: 255, 3: 255, 4: 255, 5: 255, 6: 255, 7: 255,
		8: 255, 9: 255, 10: 255, 11: 255, 12: 255, 13: 255, 14: 255, 15: 255})},
}.Key()

// decide says whether rule r applies to the query's other end, and with
// which action; for an unknown source, fail closed (see above).
func (q *dirQuery) decide(r *crule) (ir.Action, bool) {
	switch {
	case !q.unknown:
		return r.ref.Action, q.matches(r.peers)
	case r.everyone:
		return r.ref.Action, true
	case r.ref.Action == ir.Allow:
		return ir.Allow, false
	}
	return ir.Deny, true
}
