package calico

import (
	"fmt"

	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/internal/ir"
)

// hostNetworkHint says what to do about a host-network pod in a subject
// or peer.
const hostNetworkHint = "Calico makes no workload endpoint of a host-network pod (libcalico-go/lib/backend/k8s/conversion/conversion.go, IsValidCalicoWorkloadEndpoint): it is its node, reached through host endpoints; narrow the selector so that it leaves the pod out"

// hostNetworkPod is the first host-network pod a pod peer selects from a
// subject in namespace ns, "" when none (or no cluster is known).
func (b *builder) hostNetworkPod(ns string, p ir.Peer) string {
	if b.opts.Cluster == nil || p.Kind == ir.PeerAll || p.Pods == nil && p.Namespaces == nil {
		return ""
	}
	for _, w := range b.opts.Cluster.Selected(ns, p) {
		if b.opts.Cluster.HostNetwork(w) {
			return w.Namespace + "/" + w.Name
		}
	}
	return ""
}

// hostNetworkSubject refuses isolating a host-network pod: no Calico
// NetworkPolicy applies to it, so the isolation would not hold (wider),
// approximation or not.
func (b *builder) hostNetworkSubject(iso ir.Isolation) bool {
	s := iso.Subject
	pod := b.hostNetworkPod(s.Namespace, ir.Peer{Kind: ir.PeerPods, Pods: &s.Pods})
	if pod == "" {
		return false
	}
	err := fmt.Errorf("selects host-network pod %s, which no Calico NetworkPolicy isolates: %w", pod, ErrUnsupported)
	b.errs.Fail(iso.Origin, kit.Lower(iso.Direction)+" isolation", s, kit.Hinted(err, hostNetworkHint))
	return true
}

// hostNetworkPeer refuses a rule whose peer selects a host-network pod,
// which Calico's selectors do not match (narrower), or under
// AllowApproximate keeps it with a warning; it reports whether the rule
// was refused.
func (b *builder) hostNetworkPeer(r ir.Rule, what string) bool {
	pod := b.hostNetworkPod(r.Subject.Namespace, r.Peer)
	if pod == "" {
		return false
	}
	err := fmt.Errorf("peer selects host-network pod %s, which Calico's selectors do not match: %w", pod, ErrUnsupported)
	if !b.opts.AllowApproximate {
		b.errs.Fail(r.Origin, what, r.Subject, kit.Hinted(err, hostNetworkHint))
		return true
	}
	b.warns = append(b.warns, kit.Warning{Origin: r.Origin, Message: fmt.Sprintf("%s of %s/%s: %v: the rule does not reach it",
		what, r.Subject.Namespace, r.Subject.Name, err)})
	return false
}
