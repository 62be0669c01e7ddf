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

// policyCUE is one NetworkPolicy as a #Policy: the same selector, and the
// rules of each direction it isolates (a direction present with no rules
// isolates, as in NetworkPolicy).
func policyCUE(np networkingv1.NetworkPolicy) (string, error) {
	parts := []string{"namespace: " + str(np.Namespace)}
	if sel := np.Spec.PodSelector; len(sel.MatchLabels)+len(sel.MatchExpressions) > 0 {
		parts = append(parts, "podSelector: "+selectorCUE(&sel))
	}
	in, eg := types(np)
	if in {
		rules := make([]string, len(np.Spec.Ingress))
		for i, r := range np.Spec.Ingress {
			s, err := ruleCUE("from", r.From, r.Ports)
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
			s, err := ruleCUE("to", r.To, r.Ports)
			if err != nil {
				return "", fmt.Errorf("spec.egress[%d]: %w", i, err)
			}
			rules[i] = s
		}
		parts = append(parts, "egress: ["+strings.Join(rules, ", ")+"]")
	}
	return "{\n\t\t" + strings.Join(parts, "\n\t\t") + "\n\t}", nil
}

func ruleCUE(field string, peers []networkingv1.NetworkPolicyPeer, ports []networkingv1.NetworkPolicyPort) (string, error) {
	ps, err := peersCUE(peers)
	if err != nil {
		return "", err
	}
	s := "{" + field + ": " + ps
	pts, err := portsCUE(ports)
	if err != nil {
		return "", err
	}
	if pts != "" {
		s += ", ports: " + pts
	}
	return s + "}", nil
}
