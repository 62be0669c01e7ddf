package importer

import (
	"fmt"
	"slices"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
)

// types says which directions a policy isolates, with the API's defaults
// (Ingress always, Egress when it has egress rules).
func types(np networkingv1.NetworkPolicy) (ingress, egress bool) {
	if len(np.Spec.PolicyTypes) == 0 {
		return true, len(np.Spec.Egress) > 0
	}
	return slices.Contains(np.Spec.PolicyTypes, networkingv1.PolicyTypeIngress),
		slices.Contains(np.Spec.PolicyTypes, networkingv1.PolicyTypeEgress)
}

// policyCUE is one NetworkPolicy as a #Policy: the same subject (a
// workload when the selector is exactly its pod labels), and the rules of
// each direction it isolates (a direction present with no rules isolates,
// as in NetworkPolicy), in the short forms a person writes.
func (x *index) policyCUE(np networkingv1.NetworkPolicy) (string, error) {
	parts := []string{"namespace: " + str(np.Namespace)}
	if w := x.workload[subject{np.Namespace, x.sel(&np.Spec.PodSelector)}]; w != "" {
		parts = append(parts, "workload: "+str(w))
	} else if sel := np.Spec.PodSelector; len(sel.MatchLabels)+len(sel.MatchExpressions) > 0 {
		parts = append(parts, "podSelector: "+selectorCUE(&sel))
	}
	in, eg := types(np)
	if in {
		rules := make([]string, len(np.Spec.Ingress))
		for i, r := range np.Spec.Ingress {
			s, err := x.ruleCUE(np.Namespace, "from", r.From, r.Ports)
			if err != nil {
				return "", fmt.Errorf("spec.ingress[%d]: %w", i, err)
			}
			rules[i] = s
		}
		parts = append(parts, "ingress: ["+strings.Join(rules, ", ")+"]")
	}
	if eg {
		rules := make([]string, len(np.Spec.Egress))
		for i, r := range np.Spec.Egress {
			s, err := x.ruleCUE(np.Namespace, "to", r.To, r.Ports)
			if err != nil {
				return "", fmt.Errorf("spec.egress[%d]: %w", i, err)
			}
			rules[i] = s
		}
		parts = append(parts, "egress: ["+strings.Join(rules, ", ")+"]")
	}
	return "{\n\t\t" + strings.Join(parts, "\n\t\t") + "\n\t}", nil
}

// ruleCUE is one rule: checked in the long form (what the API server
// would reject fails), written in the short one from the rule's keys,
// which select exactly what the long form does.
func (x *index) ruleCUE(ns, field string, peers []networkingv1.NetworkPolicyPeer, ports []networkingv1.NetworkPolicyPort) (string, error) {
	if _, err := peersCUE(peers); err != nil {
		return "", err
	}
	if _, err := portsCUE(ports); err != nil {
		return "", err
	}
	keys := []peerKey{{All: true}}
	if len(peers) > 0 {
		keys = keys[:0]
		for _, p := range peers {
			keys = append(keys, x.canonPeer(ns, p))
		}
	}
	s := "{" + field + ": " + x.peersCUEList(ns, keys)
	if len(ports) > 0 {
		pks := make([]portKey, len(ports))
		for i, p := range ports {
			pks[i] = canonPort(p)
		}
		s += ", ports: " + x.portsCUEList(pks)
	}
	return s + "}", nil
}
