package adminpolicy

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/netset"
)

// podNetworks handles a CIDR or world peer, as the prefixes ps, that
// overlaps a declared pod network (cluster.podCIDRs). An admin networks
// peer matches every pod whose IP is inside it ("cluster-internal traffic
// will be checked against the rule as well", network-policy-api
// apis/v1alpha2/clusternetworkpolicy_types.go, Networks), among them the
// pods whose IPs the build does not know (a new replica, an inventory
// without status.podIPs), which the intents' reference matches by
// selectors only. Such a pod may be anywhere in the pod networks, so an
// overlap may allow it a flow the intents do not (wider): refused, or
// under AllowApproximate emitted without the pod networks (narrower: the
// known pods and addresses in them lose the rule) with the rule's warning.
// It returns the prefixes to emit.
func (b *builder) podNetworks(r ir.Rule, ps []netip.Prefix) ([]netip.Prefix, error) {
	var set netset.Set
	for _, p := range ps {
		set = set.Union(netset.PrefixRange(p))
	}
	var pods netset.Set
	var hit []string
	for _, c := range b.podCIDRs {
		pfx, err := netip.ParsePrefix(c)
		if err != nil {
			continue // the compiler validated it
		}
		pr := netset.PrefixRange(pfx.Masked())
		pods = pods.Union(pr)
		for _, x := range set {
			if x.Overlaps(pr) {
				hit = append(hit, pfx.Masked().String())
				break
			}
		}
	}
	if len(hit) == 0 {
		return ps, nil
	}
	why := fmt.Sprintf("the peer overlaps the pod network %s: admin networks peers match every pod inside them, also the pods whose IPs the build does not know, "+
		"which the intents match by selectors only", strings.Join(hit, ", "))
	if err := b.approximate(r, "the networks leave out the pod networks", why,
		"leave the pod networks out with except and select pods with workload or namespace peers"); err != nil {
		return nil, err
	}
	for _, pr := range pods {
		set = set.Subtract(pr)
	}
	return set.Prefixes(), nil
}

// knownInside returns the declared workloads with a known IP inside the
// prefixes ps.
func (b *builder) knownInside(ps []netip.Prefix) []ir.Workload {
	var set netset.Set
	for _, p := range ps {
		set = set.Union(netset.PrefixRange(p))
	}
	var out []ir.Workload
	for _, w := range b.cl.Workloads {
		for _, s := range w.IPs {
			if ip, err := netip.ParseAddr(s); err == nil && set.Contains(ip) {
				out = append(out, w)
				break
			}
		}
	}
	return out
}
