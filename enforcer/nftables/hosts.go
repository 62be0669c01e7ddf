package nftables

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/netpolc/netpolc/emitters/nftables/nftapi"
	"github.com/netpolc/netpolc/internal/inventory"
)

// Host-network pods share their node's network namespace and addresses
// (spec.hostNetwork): what they send is the node's own traffic, what they
// receive is for the node. The interpreter reads them so, the way the
// kernel does: a connection takes the path through the node's hooks that
// its ends give it (forwarded between pods and the outside, to the node,
// from the node), and the node's own traffic is told apart by its source
// address being local (fib saddr type local). Read from anywhere, a
// host-network pod is local on its own node, which holds pods of every
// workload: so by default each is read as this node, the widest reading;
// WithRemoteHosts reads some as another node's, for a test of one node.

// ipKind is what an address of the inventory belongs to.
type ipKind uint8

const (
	notListed ipKind = iota
	podAddr
	hostAddr // a host-network pod's: its node's
)

// path is the way a packet takes through the node's netfilter hooks.
type path uint8

const (
	forwarded  path = iota // routed or bridged by the node: pod to pod, pod to and from the outside
	toNode                 // to the node itself
	fromNode               // from the node itself
	withinNode             // from the node to itself
)

// pathHooks are the hooks of each path, in the order a packet meets them.
var pathHooks = [...][]nftapi.Hook{
	forwarded:  {nftapi.HookPrerouting, nftapi.HookForward, nftapi.HookPostrouting},
	toNode:     {nftapi.HookPrerouting, nftapi.HookInput},
	fromNode:   {nftapi.HookOutput, nftapi.HookPostrouting},
	withinNode: {nftapi.HookOutput, nftapi.HookPostrouting, nftapi.HookPrerouting, nftapi.HookInput},
}

// localSource tells whether the packet's source address is the node's.
func (p path) localSource() bool { return p == fromNode || p == withinNode }

// pathOf is the path from an end to another, each the node itself or
// not.
func pathOf(srcLocal, dstLocal bool) path {
	switch {
	case srcLocal && dstLocal:
		return withinNode
	case srcLocal:
		return fromNode
	case dstLocal:
		return toNode
	}
	return forwarded
}

// endpoints indexes the inventory, sorted by ID; every endpoint needs an
// IP, and no two share one, except host-network endpoints (pods of one
// node share its addresses). remote names host-network endpoints of
// another node, unlisted the endpoints the ruleset was not built for.
func (in *interp) endpoints(inv inventory.Inventory, remote, unlisted []string) (map[netip.Addr]ipKind, error) {
	in.eps = slices.Clone(inv.Endpoints)
	slices.SortFunc(in.eps, func(a, b inventory.Endpoint) int { return strings.Compare(a.ID(), b.ID()) })
	kinds := map[netip.Addr]ipKind{}
	var missing []string
	for i, ep := range in.eps {
		if i > 0 && in.eps[i-1].ID() == ep.ID() {
			return nil, fmt.Errorf("%w: endpoint %s listed twice", ErrInvalid, ep.ID())
		}
		kind := podAddr
		if ep.HostNetwork {
			kind = hostAddr
		}
		var ips []netip.Addr
		for _, ip := range ep.IPs {
			ip = ip.Unmap()
			if k := kinds[ip]; k != notListed && !slices.Contains(ips, ip) && (k != hostAddr || kind != hostAddr) {
				return nil, fmt.Errorf("%w: %s of %s belongs to another endpoint too", ErrInvalid, ip, ep.ID())
			}
			ips = append(ips, ip)
			kinds[ip] = kind
		}
		slices.SortFunc(ips, netip.Addr.Compare)
		in.ips = append(in.ips, slices.Compact(ips))
		in.local = append(in.local, ep.HostNetwork && !slices.Contains(remote, ep.ID()))
		in.unlisted = append(in.unlisted, slices.Contains(unlisted, ep.ID()))
		if len(ips) == 0 {
			missing = append(missing, ep.ID())
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrNoPodIPs, strings.Join(missing, ", "))
	}
	for _, id := range remote {
		i := slices.IndexFunc(in.eps, func(e inventory.Endpoint) bool { return e.ID() == id })
		if i < 0 || !in.eps[i].HostNetwork {
			return nil, fmt.Errorf("%w: remote host %s is no host-network endpoint of the inventory", ErrInvalid, id)
		}
	}
	return kinds, nil
}
