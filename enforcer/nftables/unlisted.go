package nftables

import (
	"github.com/netpolc/netpolc/internal/netset"
)

// Pods the ruleset does not list. The ruleset's pod networks
// (nftapi.PodNetworksSet) hold the addresses of pods: those of the
// inventory, and others the ruleset does not list (pods started after it
// was built). Inside them, an address that no endpoint has is such a pod,
// not an external address: an external peer is evaluated on its pieces
// outside the pod networks, and only on those inside when it has no
// other. An endpoint of the inventory the ruleset does not list is read
// at its own addresses like any other, so interpreting a ruleset over an
// inventory with more pods than it was built for shows what those pods
// get.

// external is the peer called name evaluated on pieces. Pieces inside the
// pod networks are pods the ruleset does not list, not external addresses:
// they are left out, unless nothing else is left.
func (in *interp) external(name string, pieces []netset.Range) external {
	if in.podNets == nil {
		return external{name: name, pieces: pieces}
	}
	var outside []netset.Range
	for _, p := range pieces {
		if in.podNets.covers(p) != 1 {
			outside = append(outside, p)
		}
	}
	if len(outside) == 0 {
		return external{name: name, pieces: pieces}
	}
	return external{name: name, pieces: outside}
}

// cut splits sp at the boundaries of the ruleset's own external peers.
func cut(sp netset.Range, own []netset.Range) []netset.Range {
	var out []netset.Range
	for _, o := range own {
		if o.First.Is4() != sp.First.Is4() || o.Last.Less(sp.First) || sp.Last.Less(o.First) {
			continue
		}
		lo, hi := o.First, o.Last
		if lo.Less(sp.First) {
			lo = sp.First
		}
		if sp.Last.Less(hi) {
			hi = sp.Last
		}
		out = append(out, netset.Range{First: lo, Last: hi})
	}
	if len(out) == 0 {
		out = []netset.Range{sp} // no network of this family: uniform
	}
	return out
}
