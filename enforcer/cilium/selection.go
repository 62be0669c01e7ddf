package cilium

import (
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8slabels "k8s.io/apimachinery/pkg/labels"

	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/inventory"
)

// Selection is what one endpoint selector of a CiliumNetworkPolicy
// selects in the reading. It is the entry point of the upstream
// crosscheck (internal/crosscheck/cilium), which evaluates every emitted
// selector with Cilium's own parsing and matching and compares; the
// reading itself does not use it. Select goes through the same code as
// Interpret (subjectSelector, parseRule), and Selects evaluates the
// translated peers as the model does (groups.go: pod labels, and the
// namespace's labels from the inventory).
type Selection struct {
	ns      string
	subject *metav1.LabelSelector // endpointSelector: pods of ns
	peers   []networkingv1.NetworkPolicyPeer
	world   bool
}

// Select reads sel as the endpointSelector of a policy in namespace ns
// (peer false) or as one of its fromEndpoints/toEndpoints (peer true).
func (c Config) Select(ns string, sel metav1.LabelSelector, peer bool) (Selection, error) {
	s := Selection{ns: ns}
	if !peer {
		subject, err := c.subjectSelector(sel)
		s.subject = &subject
		return s, err
	}
	pr, err := c.parseRule(ns, peerFields{endpoints: []metav1.LabelSelector{sel}}, nil)
	s.peers, s.world = pr.pods, len(pr.external) > 0
	return s, err
}

// World reports whether the selection selects the world (addresses
// outside the cluster).
func (s Selection) World() bool { return s.world }

// Selects reports whether the selection selects ep, an endpoint of r
// (of its inventory, as the reading sees it, or of its Reserved).
func (s Selection) Selects(r *enforcer.Reading, ep inventory.Endpoint) bool {
	if s.subject != nil {
		return ep.Namespace == s.ns && matchesAll(s.subject, ep.Labels)
	}
	nsLabels := r.Inventory.Namespace(ep.Namespace).Labels
	for _, p := range s.peers {
		inNS := ep.Namespace == s.ns
		if p.NamespaceSelector != nil {
			inNS = matchesAll(p.NamespaceSelector, nsLabels)
		}
		if inNS && matchesAll(p.PodSelector, ep.Labels) {
			return true
		}
	}
	return false
}

// matchesAll evaluates a label selector (nil: everything) as Kubernetes
// does; an invalid one, which Select never builds, matches nothing.
func matchesAll(sel *metav1.LabelSelector, l map[string]string) bool {
	if sel == nil {
		return true
	}
	s, err := metav1.LabelSelectorAsSelector(sel)
	return err == nil && s.Matches(k8slabels.Set(l))
}
