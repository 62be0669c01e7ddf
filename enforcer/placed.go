package enforcer

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/netset"
)

// PlaceUnknownPods is inv with every pod whose IPs it does not know (host-
// network pods excepted: they have their node's) at an address of every
// piece of the pod CIDRs that the address blocks of pols tell apart:
// wherever such a pod really is, it is in the same blocks as one of those
// addresses. It is nil when no pod CIDRs are declared or no pod lacks an
// IP: the Reading.Placed of targets whose CIDRs match pod addresses
// (Calico's nets, the admin API's networks).
func PlaceUnknownPods(inv inventory.Inventory, podCIDRs []string, pols Policies) (*inventory.Inventory, error) {
	unknown := func(ep inventory.Endpoint) bool { return !ep.HostNetwork && len(ep.IPs) == 0 }
	if !slices.ContainsFunc(inv.Endpoints, unknown) {
		return nil, nil
	}
	addrs, err := podAddresses(podCIDRs, pols.blockRanges())
	if err != nil || len(addrs) == 0 {
		return nil, err
	}
	placed := inv
	placed.Endpoints = slices.Clone(inv.Endpoints)
	for i, ep := range placed.Endpoints {
		if unknown(ep) {
			placed.Endpoints[i].IPs = addrs
		}
	}
	return &placed, nil
}

// blockRanges are the ranges of every address block the policies' rules
// name (ipBlocks with their holes carved, admin networks, Calico nets
// minus notNets).
func (p Policies) blockRanges() []netset.Range {
	var out []netset.Range
	for _, pol := range p.list {
		for _, rules := range pol.rules {
			for _, r := range rules {
				for _, pe := range r.peers {
					if pe.kind == peerBlock {
						out = append(out, pe.block...)
					}
				}
			}
		}
	}
	return out
}

// podAddresses splits the pod CIDRs at every boundary of a range inside
// them and returns the first address of each piece: a pod at these
// addresses is in every range some address of the pod CIDRs is in.
func podAddresses(podCIDRs []string, ranges []netset.Range) ([]netip.Addr, error) {
	var out []netip.Addr
	for _, s := range podCIDRs {
		c, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("%w: pod CIDR %q: %v", ErrInvalid, s, err)
		}
		c = c.Masked()
		out = append(out, c.Addr())
		for _, r := range ranges {
			if c.Contains(r.First) {
				out = append(out, r.First)
			}
			if next := r.Last.Next(); next.IsValid() && c.Contains(next) {
				out = append(out, next)
			}
		}
	}
	slices.SortFunc(out, netip.Addr.Compare)
	return slices.Compact(out), nil
}
