package enforcer

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"

	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/portset"
)

// Model evaluates a policy set over an inventory. It is immutable after New
// and safe for concurrent use.
type Model struct {
	endpoints []inventory.Endpoint // sorted by ID
	byID      map[string]int
	byIP      map[netip.Addr]int // known pod IP → endpoint

	pols  []*cpolicy      // evaluation order: admin, netpol, baseline
	peers [2][]peer       // distinct rule peers, per direction
	at    atomization     // external peers
	named map[string]bool // port names some rule refers to

	groups    []*group // endpoint groups, then one group per atom
	epGroup   []int32  // endpoint index → group
	atomGroup []int32  // atom index → group
	// otherGroup stands for external addresses outside every atom (IPv6
	// when no IPv6 block is in play): only "everything" peers match them.
	otherGroup int32

	edges    []*edgeNode                   // ingress controllers, by name (edge.go)
	services map[string]*inventory.Service // by ID
	// fqdns are the DNS-name endpoints: the names and patterns the rules'
	// FQDN peers spell, sorted; fqdnGroup their groups. They are
	// destinations only.
	fqdns     []fqdnPattern
	fqdnGroup []int32
}

// cpolicy is a policy compiled against the model's peer table.
type cpolicy struct {
	ref      PolicyRef
	isolates [2]bool
	rules    [2][]crule
	subject  podSelector
}

// crule is a rule whose peers are indices into Model.peers.
type crule struct {
	ref      RuleRef
	peers    []int32
	ports    portSpec
	everyone bool // the peers match every source or destination
}

// relevant reports whether the policy has anything to say about its
// subjects in direction d.
func (p *cpolicy) relevant(d dir) bool {
	return p.isolates[d] || len(p.rules[d]) > 0
}

// New builds a model of the policies over the inventory. The inventory is
// copied and sorted; the policies are not modified, so one Policies value
// can feed several models. Options add to the model (WithEdge).
func New(inv inventory.Inventory, pols Policies, opts ...Option) (*Model, error) {
	inv.Endpoints = slices.Clone(inv.Endpoints)
	inv.Namespaces = slices.Clone(inv.Namespaces)
	inv.Sort()
	m := &Model{
		endpoints: inv.Endpoints,
		byID:      make(map[string]int, len(inv.Endpoints)),
		byIP:      make(map[netip.Addr]int),
		named:     make(map[string]bool),
	}
	for i, ep := range inv.Endpoints {
		if _, dup := m.byID[ep.ID()]; dup {
			return nil, fmt.Errorf("%w: endpoint %s listed twice", ErrInvalid, ep.ID())
		}
		m.byID[ep.ID()] = i
		for _, ip := range ep.IPs {
			if _, taken := m.byIP[ip.Unmap()]; !taken {
				m.byIP[ip.Unmap()] = i
			}
		}
	}
	m.compile(pols)
	m.buildGroups(&inv)
	for _, o := range opts {
		if err := o(m); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// compile orders the policies and interns their peers.
func (m *Model) compile(pols Policies) {
	list := slices.Clone(pols.list)
	slices.SortStableFunc(list, comparePolicies)
	index := [2]map[string]int32{{}, {}}
	for _, p := range list {
		cp := &cpolicy{ref: p.ref, isolates: p.isolates, subject: p.subject}
		for d := range 2 {
			for _, r := range p.rules[d] {
				cr := crule{ref: r.ref, ports: r.ports, everyone: everyone(r.peers)}
				for _, pe := range withAnyName(r.peers) {
					k := pe.key()
					id, ok := index[d][k]
					if !ok {
						id = int32(len(m.peers[d]))
						index[d][k] = id
						m.peers[d] = append(m.peers[d], pe)
					}
					cr.peers = append(cr.peers, id)
				}
				for _, n := range r.ports.named {
					m.named[n.name] = true
				}
				cp.rules[d] = append(cp.rules[d], cr)
			}
		}
		m.pols = append(m.pols, cp)
	}
}

// comparePolicies is the evaluation order: tier, then priority (lower
// first), then name and kind for a deterministic answer where the API
// leaves equal priorities undefined.
func comparePolicies(a, b *policy) int {
	return cmp.Or(
		cmp.Compare(layerRank(a.ref.Layer), layerRank(b.ref.Layer)),
		cmp.Compare(a.ref.Priority, b.ref.Priority),
		cmp.Compare(a.ref.Namespace, b.ref.Namespace),
		cmp.Compare(a.ref.Name, b.ref.Name),
		cmp.Compare(a.ref.Kind, b.ref.Kind),
	)
}

func layerRank(l Layer) int {
	switch l {
	case LayerAdmin:
		return 0
	case LayerNetworkPolicy:
		return 1
	}
	return 2
}

// Endpoints returns the inventory's endpoints, sorted by ID. The caller
// must not modify them.
func (m *Model) Endpoints() []inventory.Endpoint { return m.endpoints }

// ExternalPeers returns the names ("ip:FIRST-LAST") of the external peers
// the policies' ipBlocks and networks split the address space into,
// IPv4 first, ascending.
func (m *Model) ExternalPeers() []string {
	out := make([]string, len(m.at.atoms))
	for i, a := range m.at.atoms {
		out[i] = a.String()
	}
	return out
}

// ExternalPeer is the name ("ip:FIRST-LAST") of the external peer, among
// ExternalPeers, that holds addr; false when none does.
func (m *Model) ExternalPeer(addr netip.Addr) (string, bool) {
	if a := m.at.atomOf(addr); a >= 0 {
		return m.at.atoms[a].String(), true
	}
	return "", false
}

// FQDNPeers returns the names ("fqdn:api.example.com") of the DNS-name
// endpoints: every name and pattern an FQDN rule spells, sorted.
func (m *Model) FQDNPeers() []string {
	out := make([]string, len(m.fqdns))
	for i, f := range m.fqdns {
		out[i] = FQDNPrefix + f.String()
	}
	return out
}

// NamedPort resolves a port name on an endpoint: the number of its
// container port with that name and protocol.
func (m *Model) NamedPort(endpoint, name string, proto portset.Protocol) (int32, error) {
	i, ok := m.byID[endpoint]
	if !ok {
		return 0, fmt.Errorf("%w: %s", ErrUnknownEndpoint, endpoint)
	}
	for _, p := range m.endpoints[i].Ports {
		if pp, ok := portProtocol(p.Protocol); ok && p.Name == name && pp == proto {
			return p.Port, nil
		}
	}
	return 0, fmt.Errorf("endpoint %s has no %s port named %q", endpoint, proto, name)
}
