package proof

import (
	"net/netip"
	"strings"

	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/inventory"
)

// The model reads an endpoint as one party with all its known IPs (a
// dual-stack pod, a workload's replicas): an ipBlock or admin network
// covers it when it holds one of them. Enforcers decide per packet, so per
// address: a block over a pod's IPv6 address but not its IPv4 one allows
// (or denies) only the IPv6 traffic, in Calico, the admin API and
// kube-network-policies alike (internal/crosscheck/upstream counts the
// packets where the two readings part). Proven per endpoint alone, a
// target that let the IPv4 traffic through another rule would pass. The
// second pass splits every endpoint whose addresses the intents' blocks
// tell apart into one endpoint per piece (same namespace, labels and
// ports; named "name@IP" after the piece's first address), where "holds
// one of its IPs" is "holds its IPs", and proves the target again over
// that inventory: both readings then decide what an enforcer does. An
// endpoint whose addresses no block of the intents tells apart is left
// whole: a target could only part them in a way the per-endpoint pass
// already sees (wider at the piece it allows) or by being narrower.

// PerAddress is the reference over r's inventory with every endpoint
// whose addresses the intents' blocks tell apart split (SplitAddresses),
// or nil when there is none (the per-endpoint proof is then per address).
func (r *Reference) PerAddress() (*Reference, error) {
	split, ok := SplitAddresses(r.Model, r.Inventory)
	if !ok {
		return nil, nil
	}
	m, err := enforcer.New(split, r.Policies)
	if err != nil {
		return nil, err
	}
	return newReference(split, r.Policies, m), nil
}

// pieceSep joins an endpoint's name and its piece's first IP.
const pieceSep = "@"

// PieceOf reports whether id names the endpoint of (namespace/name) or
// one of the pieces SplitAddresses split it into.
func PieceOf(id, of string) bool {
	return id == of || strings.HasPrefix(id, of+pieceSep)
}

// Pieces are the IDs of the endpoint of in a split inventory: its
// pieces, or of itself when it was not split.
func Pieces(split inventory.Inventory, of string) []string {
	var out []string
	for _, ep := range split.Endpoints {
		if PieceOf(ep.ID(), of) {
			out = append(out, ep.ID())
		}
	}
	return out
}

// SplitAddresses is inv with every endpoint whose IPs lie in different
// address ranges of m (ranges no block boundary crosses,
// enforcer.Model.ExternalPeer) split into one endpoint per range, named
// "name@IP" after its first IP, and whether any was split.
func SplitAddresses(m *enforcer.Model, inv inventory.Inventory) (inventory.Inventory, bool) {
	out := inventory.Inventory{Namespaces: inv.Namespaces, Endpoints: make([]inventory.Endpoint, 0, len(inv.Endpoints))}
	split := false
	for _, ep := range inv.Endpoints {
		var order []string
		pieces := map[string][]netip.Addr{}
		for _, ip := range ep.IPs {
			r, _ := m.ExternalPeer(ip)
			if pieces[r] == nil {
				order = append(order, r)
			}
			pieces[r] = append(pieces[r], ip)
		}
		if len(order) < 2 {
			out.Endpoints = append(out.Endpoints, ep)
			continue
		}
		split = true
		for _, r := range order {
			one := ep
			one.Name = ep.Name + pieceSep + pieces[r][0].String()
			one.IPs = pieces[r]
			out.Endpoints = append(out.Endpoints, one)
		}
	}
	return out, split
}

// ProveObjects reads a target's objects back with its interpreter and
// proves them against the intents: per address first when some
// endpoint's addresses the intents' blocks tell apart (perAddr, from
// PerAddress; nil when none does), then per endpoint (ref) — unless the
// reading decides concrete packets (Reading.Connectivity, nftables),
// which the per-address pass proved exactly and which a per-endpoint
// reading would find inconsistent across a split endpoint's addresses.
// in carries the settings and pod CIDRs; the inventory and external peers
// are each pass's own. It returns the last pass's delta (narrower flows,
// under allowNarrower).
func ProveObjects(interp enforcer.Interpreter, target string, objects any, in enforcer.InterpretInput, ref, perAddr *Reference, allowNarrower bool) (*enforcer.Delta, error) {
	var d *enforcer.Delta
	for _, r := range []*Reference{perAddr, ref} {
		if r == nil {
			continue
		}
		name := target
		if r == perAddr {
			name += " (each address of a pod apart)"
		}
		in.Inventory, in.ExternalPeers = r.Inventory, r.Model.ExternalPeers()
		got, err := interp.Interpret(objects, in)
		if err != nil {
			return nil, err
		}
		if d, err = r.ProveReading(name, got, allowNarrower); err != nil {
			return d, err
		}
		if r == perAddr && got.Connectivity != nil {
			break
		}
	}
	return d, nil
}
