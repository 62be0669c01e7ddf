package cilium

import (
	"fmt"

	"github.com/netpolc/netpolc/internal/ir"
)

// Host-network pods (spec.hostNetwork) are not Cilium endpoints: their
// traffic carries the identity of their node, host on its own node and
// remote-node elsewhere (docs.cilium.io "Entities Based": host "includes
// all host-networking pods"; pkg/labels reserved identities). So a
// CiliumNetworkPolicy never applies to them, and a from/toEndpoints
// selector never matches them, while NetworkPolicy as netpolc models it
// treats them as the pods of their workload. The emitter checks both
// against the build's inventory (kit.Cluster.HostNetwork). Opening the
// host or remote-node entity instead would allow every pod of every node
// in the host network namespace and the nodes themselves: wider, never.

// hostNetworkSubject returns an error when a subject selects a
// host-network pod: Cilium would leave it unisolated (wider than the
// intents), which no approximation can narrow.
func (b *builder) hostNetworkSubject(s ir.Subject) error {
	return b.cl.HostNetworkSubjectError(s, "which Cilium sees as its node: a CiliumNetworkPolicy does not apply to it",
		"exclude it from the subject's selector (Cilium enforces the node's traffic with host policies, which netpolc does not emit)", errUnsupported)
}

// hostNetworkPeer handles a pod peer of rule b.rules[i] that selects a
// host-network pod: Cilium's endpoint selector does not match it (its
// traffic is the node's), so the rule is narrower. It returns the error
// to report, or nil (also when approximation narrowed the rule).
func (b *builder) hostNetworkPeer(i int) error {
	r := b.rules[i]
	w, ok := b.cl.HostNetworkSelected(r.Subject.Namespace, r.Peer)
	if !ok {
		return nil
	}
	why := fmt.Sprintf("the peer selects host-network pod %s/%s, which Cilium sees as its node (identity host or remote-node), not as a pod", w.Namespace, w.Name)
	return b.approximate(i, "the rule does not match host-network pods", why,
		"exclude the pod from the peer's selector")
}
