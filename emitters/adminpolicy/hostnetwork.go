package adminpolicy

import (
	"fmt"

	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/internal/ir"
)

// Host-network pods (spec.hostNetwork) are not admin-API pods: "Note that
// host-networked pods are not included in subject selection" and "...in
// this type of peer" for namespaces and pods peers (network-policy-api
// apis/v1alpha2/clusternetworkpolicy_types.go, and the same notes in
// apis/v1alpha1). Their traffic carries their node's address, which a
// networks peer matches like any other. NetworkPolicy leaves them to the
// implementation and netpolc's reference reads them as the pods of their
// workload, so the emitter checks the build's inventory
// (kit.Cluster.HostNetwork): a subject selecting one would leave it open
// (wider: always refused); a namespaces or pods peer does not match it
// (narrower: refused, or narrowed under AllowApproximate); and a networks
// peer matches it by an address the build may not know, where the
// reference matches it only by selectors (a pod without a known IP), so
// a rule with networks fails while such a pod is in the inventory.

// hostNetworkSubject returns an error when a subject selects a
// host-network pod: the admin policies would not apply to it.
func (b *builder) hostNetworkSubject(s ir.Subject) error {
	return b.cl.HostNetworkSubjectError(s, "which admin network policies exclude from their subjects",
		"exclude it from the subject's selector (its traffic is its node's: the node's own firewall enforces it)", errUnsupported)
}

// hostNetworkPeer handles a rule whose pod peer selects the workloads dsts
// (names: the rule's named ports, for a rule allowing every peer, whose
// networks part cannot carry them): a host-network pod among them is not
// matched. It returns the error to report, or nil (also when
// approximation narrowed the rule).
func (b *builder) hostNetworkPeer(r ir.Rule, dsts []ir.Workload, names []port) error {
	for _, w := range dsts {
		if !b.cl.HostNetwork(w) {
			continue
		}
		if r.Peer.Kind == ir.PeerAll && !declaresAny(w, names) {
			continue // the networks rule matches it by address
		}
		why := fmt.Sprintf("the peer selects host-network pod %s/%s, which admin network policies exclude from namespaces and pods peers", w.Namespace, w.Name)
		return b.approximate(r, "the rule does not match host-network pods", why, "exclude the pod from the peer's selector")
	}
	return nil
}

// declaresAny reports whether w declares one of the named ports.
func declaresAny(w ir.Workload, ports []port) bool {
	for _, p := range ports {
		if p.name != "" && declaresName(w, p.name) {
			return true
		}
	}
	return false
}

// hostNetworkAddresses returns an error when a rule with a networks peer
// meets a host-network pod whose addresses the build does not know: the
// peer may match its node's address (a networks peer matches host traffic
// by IP) where the intents match it by selectors only, and no narrower
// rule is known to avoid it.
func (b *builder) hostNetworkAddresses() error {
	for _, w := range b.cl.Workloads {
		if b.cl.HostNetwork(w) && len(w.IPs) == 0 {
			return kit.Hinted(fmt.Errorf("host-network pod %s/%s: admin networks peers match it by its node's address, which the build does not know, "+
				"so the proof cannot tell which of them it falls in: %w", w.Namespace, w.Name, errUnsupported),
				"give the inventory its addresses (the Pod's status.podIPs: its node's), or leave it out of the inventory if no rule concerns it")
		}
	}
	return nil
}
