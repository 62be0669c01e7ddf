package importer

import (
	"maps"
	"slices"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/netpolc/netpolc/internal/inventory"
)

// split is a policy as a person would write it: template instances and
// the rules left over as a plain policy.
type split struct {
	// uses are template instances, each a key suffix and its CUE.
	uses [][2]string
	// rest is the policy left to write by hand (nil when nothing is left).
	rest *networkingv1.NetworkPolicy
}

// recognise splits a namespace-wide policy (podSelector {}) into the
// templates it holds: #DefaultDeny for the directions it isolates and
// #AllowDNS for an egress rule that is exactly the cluster DNS one, with
// any other rules left over. A policy that selects some pods is kept as
// it is. Union is what NetworkPolicy does with policies, so the split
// allows exactly what the policy does; the proof checks it either way.
func recognise(np networkingv1.NetworkPolicy) split {
	sel := np.Spec.PodSelector
	in, eg := types(np)
	if len(sel.MatchLabels)+len(sel.MatchExpressions) > 0 || !in && !eg {
		return split{rest: &np}
	}
	ns := "namespace: " + str(np.Namespace)
	var out split
	switch {
	case in && eg:
		out.uses = append(out.uses, [2]string{"", "templates.#DefaultDeny & {" + ns + "}"})
	case in:
		out.uses = append(out.uses, [2]string{"", "templates.#DefaultDeny & {" + ns + `, direction: "ingress"}`})
	default:
		out.uses = append(out.uses, [2]string{"", "templates.#DefaultDeny & {" + ns + `, direction: "egress"}`})
	}
	rest := np.DeepCopy()
	rest.Spec.Egress = nil
	for _, r := range np.Spec.Egress {
		if eg && isDNSRule(r) {
			if len(out.uses) == 1 {
				out.uses = append(out.uses, [2]string{" dns", "templates.#AllowDNS & {" + ns + "}"})
			}
			continue
		}
		rest.Spec.Egress = append(rest.Spec.Egress, r)
	}
	if !in {
		rest.Spec.Ingress = nil // rules of a type the policy does not list are ignored
	}
	if !eg {
		rest.Spec.Egress = nil
	}
	if len(rest.Spec.Ingress)+len(rest.Spec.Egress) > 0 {
		// The leftover rules isolate nothing the templates do not already.
		rest.Spec.PolicyTypes = nil
		if len(rest.Spec.Ingress) > 0 {
			rest.Spec.PolicyTypes = append(rest.Spec.PolicyTypes, networkingv1.PolicyTypeIngress)
		}
		if len(rest.Spec.Egress) > 0 {
			rest.Spec.PolicyTypes = append(rest.Spec.PolicyTypes, networkingv1.PolicyTypeEgress)
		}
		out.rest = rest
	}
	return out
}

// isDNSRule reports whether an egress rule is exactly "to the cluster DNS
// (k8s-app: kube-dns in kube-system) on UDP and TCP 53", the rule
// #AllowDNS writes.
func isDNSRule(r networkingv1.NetworkPolicyEgressRule) bool {
	if len(r.To) != 1 || len(r.Ports) != 2 {
		return false
	}
	p := r.To[0]
	if p.IPBlock != nil || !onlyLabels(p.NamespaceSelector, map[string]string{inventory.MetadataNameLabel: "kube-system"}) ||
		!onlyLabels(p.PodSelector, map[string]string{"k8s-app": "kube-dns"}) {
		return false
	}
	var protos []string
	for _, pt := range r.Ports {
		if pt.Port == nil || pt.Port.Type != intstr.Int || pt.Port.IntVal != 53 || pt.EndPort != nil {
			return false
		}
		proto := corev1.ProtocolTCP
		if pt.Protocol != nil {
			proto = *pt.Protocol
		}
		protos = append(protos, string(proto))
	}
	slices.Sort(protos)
	return slices.Equal(protos, []string{"TCP", "UDP"})
}

// onlyLabels reports whether a selector is exactly matchLabels want.
func onlyLabels(s *metav1.LabelSelector, want map[string]string) bool {
	return s != nil && len(s.MatchExpressions) == 0 && maps.Equal(s.MatchLabels, want)
}
