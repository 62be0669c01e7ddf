package cilium

import (
	"fmt"
	"net/netip"

	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/netset"
)

// podNetwork handles a CIDR or world peer of rule b.rules[i] whose
// addresses overlap a declared pod network (cluster.podCIDRs). Cilium
// never matches a cluster endpoint with a CIDR rule or the world entity,
// whatever its IP (docs.cilium.io "Layer 3 Policies", CIDR based: "CIDR
// rules do not apply to traffic where both sides of the connection are
// either managed by Cilium or use an IP belonging to a node in the
// cluster"), while NetworkPolicy's ipBlock may match pod IPs. The proof
// only knows the pod IPs the inventory lists (cidrPeer checks those); the
// pods whose IPs it does not know may be anywhere in the pod network, so
// an overlap means Cilium may be narrower where the proof cannot see it:
// refused, or narrowed with a warning.
func (b *builder) podNetwork(i int, blocks []ir.IPBlock) error {
	for _, c := range b.podCIDRs {
		pod, err := netip.ParsePrefix(c)
		if err != nil {
			continue // the compiler validated it
		}
		for _, blk := range blocks {
			set, err := netset.Block(blk.CIDR, blk.Except)
			if err != nil || !overlaps(set, netset.PrefixRange(pod.Masked())) {
				continue
			}
			why := fmt.Sprintf("cidr %s overlaps the pod network %s: NetworkPolicy ipBlocks may match pods there whose IPs the build does not know, Cilium CIDR rules never match cluster endpoints", blk.CIDR, pod)
			return b.approximate(i, "the CIDR rule does not match pods", why,
				"leave the pod network out with except, and select pods with workload or namespace peers")
		}
	}
	return nil
}

// overlaps reports whether any range of s overlaps r.
func overlaps(s netset.Set, r netset.Range) bool {
	for _, x := range s {
		if x.Overlaps(r) {
			return true
		}
	}
	return false
}
