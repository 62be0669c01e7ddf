package enforcer

import (
	"fmt"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netpolc/netpolc/internal/ir"
)

// TieredPolicy is a cluster-scoped policy of an ordered tier, in the
// shape a target's interpreter reads a tiered CNI's policies into (Calico
// GlobalNetworkPolicies): the admin or baseline layer, a place in it, a
// subject across namespaces and ordered rules whose first match decides.
// Ref names it in explanations: Kind, Name, Layer (LayerAdmin or
// LayerBaseline), Priority (its rank in the layer; equal ranks are
// ordered by name), Origin.
type TieredPolicy struct {
	Ref PolicyRef
	// Subject selects pods of every namespace by their labels.
	Subject metav1.LabelSelector
	// Rules are the ingress and egress rules, in evaluation order.
	Rules [2][]TieredRule
}

// TieredRule is one ordered rule: Action for the connections any of
// Peers matches on Ports. No peer matches everything; a pod peer needs a
// namespaceSelector (a cluster-scoped policy has no own namespace). No
// port is every port and protocol; a port without protocol is TCP.
type TieredRule struct {
	Action ir.Action
	Peers  []networkingv1.NetworkPolicyPeer
	Ports  []networkingv1.NetworkPolicyPort
}

// FromTieredPolicies normalises tiered policies into the admin and
// baseline layers, where they are evaluated as the admin API objects are
// (eval.go): the first matching rule of the layer decides, Pass (admin
// only) hands the connection to the NetworkPolicy layer.
func FromTieredPolicies(tps []TieredPolicy) (Policies, error) {
	var out Policies
	var e errs
	for i := range tps {
		if p := fromTiered(&tps[i], &e); p != nil {
			out.list = append(out.list, p)
		}
	}
	return out, e.err()
}

func fromTiered(tp *TieredPolicy, e *errs) *policy {
	ref := tp.Ref
	if ref.Layer != LayerAdmin && ref.Layer != LayerBaseline {
		e.add(ref, "layer", fmt.Errorf("%w: layer %q: tiered policies are admin or baseline", ErrInvalid, ref.Layer))
		return nil
	}
	subject, err := acrossNamespaces(&metav1.LabelSelector{}, &tp.Subject)
	if err != nil {
		e.add(ref, "selector", err)
		return nil
	}
	p := &policy{ref: ref, subject: subject}
	for d := range tp.Rules {
		for i, r := range tp.Rules[d] {
			if rr := tieredRule(ref, dir(d), i, r, e); rr != nil {
				p.rules[d] = append(p.rules[d], rr)
			}
		}
	}
	return p
}

// tieredRule normalises one rule.
func tieredRule(ref PolicyRef, d dir, i int, r TieredRule, e *errs) *rule {
	field := fmt.Sprintf("%s[%d]", lowerDir(d.ir()), i)
	if !tierAction(ref, r.Action, field, e) {
		return nil
	}
	rr := &rule{
		ref:   RuleRef{Policy: ref, Direction: d.ir(), Index: i, Action: r.Action, Origin: ref.Origin},
		ports: npPorts(ref, field, r.Ports, e),
	}
	if len(r.Peers) == 0 {
		rr.peers = []peer{{kind: peerAll}}
		return rr
	}
	for j, pe := range r.Peers {
		if pe.IPBlock == nil && pe.NamespaceSelector == nil {
			e.add(ref, fmt.Sprintf("%s.peers[%d]", field, j), fmt.Errorf("%w: a pod peer without a namespaceSelector", ErrInvalid))
			continue
		}
		p, err := npPeer("", pe)
		if err != nil {
			e.add(ref, fmt.Sprintf("%s.peers[%d]", field, j), err)
			continue
		}
		rr.peers = append(rr.peers, p)
	}
	return rr
}
