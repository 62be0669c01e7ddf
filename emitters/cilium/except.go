package cilium

import (
	"maps"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netpolc/netpolc/internal/ir"
)

// maxDenyPeers bounds the selectors one Deny less its exceptions becomes.
const maxDenyPeers = 16

// denyExcept are the rules whose peers the Deny order[i] leaves out: the
// earlier Allow and Pass rules of its own intent (its subject) and
// direction, on every port, towards pods, when the Deny is towards pods
// too. Each decides its flows before the Deny whatever the Deny says, so
// leaving them out of the emitted deny changes nothing the tier decides,
// while a Cilium deny over them would win over the allow they lead to.
// None when the difference would take more than maxDenyPeers selectors.
func denyExcept(order []ruleRef, i int) []*ir.ClusterRule {
	d := order[i]
	if d.r.Action != ir.Deny || !podPeer(d.r.Peer) {
		return nil
	}
	var out []*ir.ClusterRule
	n := 1
	for _, o := range order[:i] {
		if o.cp != d.cp || o.r.Direction != d.r.Direction || o.r.Action == ir.Deny || len(o.r.Ports) > 0 || !podPeer(o.r.Peer) {
			continue
		}
		if n *= len(negations(o.r.Peer)); n > maxDenyPeers {
			return nil
		}
		out = append(out, o.r)
	}
	return out
}

func podPeer(p ir.Peer) bool {
	return p.Kind == ir.PeerPods || p.Kind == ir.PeerWorkload || p.Kind == ir.PeerDNS
}

// denyPeers is peer p less the peers of excepts, as selectors: p with,
// for each except, one of its requirements negated, in every combination
// (a pod is outside an except when it fails one of its requirements).
// Nothing is left when an except has no requirement (it selects every
// pod).
func denyPeers(p ir.Peer, excepts []*ir.ClusterRule) []ir.Peer {
	out := []ir.Peer{p}
	for _, x := range excepts {
		var next []ir.Peer
		for _, q := range out {
			for _, n := range negations(x.Peer) {
				next = append(next, n.apply(q))
			}
		}
		out = next
	}
	return out
}

// negation is one requirement of a peer, negated, on its namespace or
// pod selector.
type negation struct {
	namespaces bool
	req        metav1.LabelSelectorRequirement
}

// negations lists the negated requirements of a pod peer's selectors.
func negations(p ir.Peer) []negation {
	var out []negation
	add := func(namespaces bool, sel *metav1.LabelSelector) {
		if sel == nil {
			return
		}
		for _, k := range slices.Sorted(maps.Keys(sel.MatchLabels)) {
			out = append(out, negation{namespaces, metav1.LabelSelectorRequirement{
				Key: k, Operator: metav1.LabelSelectorOpNotIn, Values: []string{sel.MatchLabels[k]}}})
		}
		for _, e := range sel.MatchExpressions {
			e.Values = slices.Clone(e.Values)
			switch e.Operator {
			case metav1.LabelSelectorOpIn:
				e.Operator = metav1.LabelSelectorOpNotIn
			case metav1.LabelSelectorOpNotIn:
				e.Operator = metav1.LabelSelectorOpIn
			case metav1.LabelSelectorOpExists:
				e.Operator = metav1.LabelSelectorOpDoesNotExist
			case metav1.LabelSelectorOpDoesNotExist:
				e.Operator = metav1.LabelSelectorOpExists
			}
			out = append(out, negation{namespaces, e})
		}
	}
	add(true, p.Namespaces)
	add(false, p.Pods)
	return out
}

// apply adds the negated requirement to a copy of peer q.
func (n negation) apply(q ir.Peer) ir.Peer {
	with := func(sel *metav1.LabelSelector) *metav1.LabelSelector {
		out := &metav1.LabelSelector{}
		if sel != nil {
			out.MatchLabels = maps.Clone(sel.MatchLabels)
			out.MatchExpressions = slices.Clone(sel.MatchExpressions)
		}
		out.MatchExpressions = append(out.MatchExpressions, n.req)
		return out
	}
	if n.namespaces {
		q.Namespaces = with(q.Namespaces)
	} else {
		q.Pods = with(q.Pods)
	}
	q.Kind, q.Ref = ir.PeerPods, "" // no longer the workload or DNS it named
	return q
}

// firstRules are the first rule of each direction of a cluster-wide
// intent (by kit.DirIndex), nil where it has none.
func firstRules(cp *ir.ClusterPolicy) [2]*ir.ClusterRule {
	var first [2]*ir.ClusterRule
	for i := range cp.Rules {
		r := &cp.Rules[i]
		if d := dirIndex(r.Direction); first[d] == nil {
			first[d] = r
		}
	}
	return first
}

func dirIndex(d ir.Direction) int {
	if d == ir.Egress {
		return egressIndex
	}
	return ingressIndex
}
