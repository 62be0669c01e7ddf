package cilium

import (
	"net/netip"
	"slices"

	"github.com/netpolc/netpolc/internal/netset"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/network-policy-api/apis/v1alpha2"

	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/inventory"
)

// networkPolicy is the policy's NetworkPolicy-tier part: isolation of its
// sections, and its rules except egress external-only peers (which the
// admin tier accepts). Ingress external-only peers are ipBlocks here; the
// ingress guards keep endpoints from matching them.
func (pp *parsedPolicy) networkPolicy() networkingv1.NetworkPolicy {
	src := pp.src
	np := networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{
		Namespace: src.Namespace, Name: src.Name, Annotations: origins(src.Annotations),
	}}
	np.Spec.PodSelector = pp.subject
	if pp.present[0] {
		np.Spec.PolicyTypes = append(np.Spec.PolicyTypes, networkingv1.PolicyTypeIngress)
		for _, r := range pp.rules[0] {
			peers := slices.Clone(r.pods)
			for _, ext := range r.external {
				for _, c := range ext {
					peers = append(peers, networkingv1.NetworkPolicyPeer{IPBlock: &networkingv1.IPBlock{CIDR: c.CIDR, Except: c.Except}})
				}
			}
			if r.all {
				peers = nil
			} else if len(peers) == 0 {
				continue // allows nothing; no peers would mean everyone
			}
			np.Spec.Ingress = append(np.Spec.Ingress, networkingv1.NetworkPolicyIngressRule{From: peers, Ports: r.ports.npPorts()})
		}
	}
	if pp.present[1] {
		np.Spec.PolicyTypes = append(np.Spec.PolicyTypes, networkingv1.PolicyTypeEgress)
		for _, r := range pp.rules[1] {
			peers := r.pods
			if r.all {
				peers = nil
			} else if len(peers) == 0 {
				continue
			}
			np.Spec.Egress = append(np.Spec.Egress, networkingv1.NetworkPolicyEgressRule{To: peers, Ports: r.ports.npPorts()})
		}
	}
	return np
}

// origins keeps only the origins annotation.
func origins(a map[string]string) map[string]string {
	if o, ok := a[enforcer.OriginsAnnotation]; ok {
		return map[string]string{enforcer.OriginsAnnotation: o}
	}
	return nil
}

// adminSubject selects the policy's pods for a ClusterNetworkPolicy.
func (pp *parsedPolicy) adminSubject() v1alpha2.ClusterNetworkPolicySubject {
	if pp.clusterwide {
		return pp.clusterwideSubject()
	}
	return v1alpha2.ClusterNetworkPolicySubject{Pods: &v1alpha2.NamespacedPod{
		NamespaceSelector: nameSelector(pp.src.Namespace), PodSelector: pp.subject,
	}}
}

func nameSelector(ns string) metav1.LabelSelector {
	return metav1.LabelSelector{MatchLabels: map[string]string{inventory.MetadataNameLabel: ns}}
}

// adminPolicy starts an admin-tier ClusterNetworkPolicy for the policy.
func (pp *parsedPolicy) adminPolicy(role string, priority int32) enforcer.SourcedClusterNetworkPolicy {
	var c enforcer.SourcedClusterNetworkPolicy
	c.Name = "cilium-" + role + "." + pp.src.Namespace + "." + pp.src.Name
	if pp.clusterwide {
		c.Name = "cilium-" + role + "." + pp.src.Name
	}
	c.Annotations = origins(pp.src.Annotations)
	c.Spec = v1alpha2.ClusterNetworkPolicySpec{Tier: v1alpha2.AdminTier, Priority: priority, Subject: pp.adminSubject()}
	return c
}

// everyPod is the admin peer of every pod of the cluster.
var everyPod = metav1.LabelSelector{}

// egressExternal accepts the policy's egress external-only peers in the
// admin tier, after passing every endpoint on to the NetworkPolicy tier so
// that a CIDR never matches an endpoint with a known IP.
func (pp *parsedPolicy) egressExternal() []enforcer.SourcedClusterNetworkPolicy {
	if !pp.hasExternal(1) {
		return nil
	}
	c := pp.adminPolicy("egress-external", externalPriority)
	c.Spec.Egress = append(c.Spec.Egress, v1alpha2.ClusterNetworkPolicyEgressRule{
		Name: "endpoints-to-the-netpol-tier", Action: v1alpha2.ClusterNetworkPolicyRuleActionPass,
		To: []v1alpha2.ClusterNetworkPolicyEgressPeer{{Namespaces: &everyPod}},
	})
	for _, r := range pp.rules[1] {
		if len(r.external) == 0 {
			continue
		}
		var nets []v1alpha2.CIDR
		for _, ext := range r.external {
			for _, c := range ext {
				for _, p := range prefixes(c.CIDR, c.Except) {
					nets = append(nets, v1alpha2.CIDR(p.String()))
				}
			}
		}
		if len(nets) == 0 {
			continue
		}
		c.Spec.Egress = append(c.Spec.Egress, v1alpha2.ClusterNetworkPolicyEgressRule{
			Name: "external", Action: v1alpha2.ClusterNetworkPolicyRuleActionAccept,
			To:        []v1alpha2.ClusterNetworkPolicyEgressPeer{{Networks: nets}},
			Protocols: r.ports.cnpProtocols(),
		})
	}
	return []enforcer.SourcedClusterNetworkPolicy{c}
}

// ingressGuards keeps endpoints from matching ingress external-only peers:
// in the admin tier, each policy passes the endpoints its endpoint rules
// allow on to the NetworkPolicy tier (externalPriority), and each policy with
// external-only peers then denies every other endpoint
// (ingressGuardPriority).
func (pp *parsedPolicy) ingressGuards() []enforcer.SourcedClusterNetworkPolicy {
	if !pp.present[0] {
		return nil
	}
	var out []enforcer.SourcedClusterNetworkPolicy
	pass := pp.adminPolicy("ingress-pass", externalPriority)
	for _, r := range pp.rules[0] {
		var from []v1alpha2.ClusterNetworkPolicyIngressPeer
		if r.all {
			from = append(from, v1alpha2.ClusterNetworkPolicyIngressPeer{Namespaces: &everyPod})
		} else {
			for _, p := range r.pods {
				from = append(from, pp.ingressPeer(p))
			}
		}
		if len(from) > 0 {
			pass.Spec.Ingress = append(pass.Spec.Ingress, v1alpha2.ClusterNetworkPolicyIngressRule{
				Name: "endpoint-rule", Action: v1alpha2.ClusterNetworkPolicyRuleActionPass,
				From: from, Protocols: r.ports.cnpProtocols(),
			})
		}
	}
	if len(pass.Spec.Ingress) > 0 {
		out = append(out, pass)
	}
	if pp.hasExternal(0) {
		deny := pp.adminPolicy("ingress-deny-endpoints", ingressGuardPriority)
		deny.Spec.Ingress = []v1alpha2.ClusterNetworkPolicyIngressRule{{
			Name: "cidrs-match-no-endpoint", Action: v1alpha2.ClusterNetworkPolicyRuleActionDeny,
			From: []v1alpha2.ClusterNetworkPolicyIngressPeer{{Namespaces: &everyPod}},
		}}
		out = append(out, deny)
	}
	return out
}

// ingressPeer turns a NetworkPolicy pod peer into an admin peer.
func (pp *parsedPolicy) ingressPeer(p networkingv1.NetworkPolicyPeer) v1alpha2.ClusterNetworkPolicyIngressPeer {
	np := &v1alpha2.NamespacedPod{NamespaceSelector: nameSelector(pp.src.Namespace)}
	if p.NamespaceSelector != nil {
		np.NamespaceSelector = *p.NamespaceSelector
	}
	if p.PodSelector != nil {
		np.PodSelector = *p.PodSelector
	}
	return v1alpha2.ClusterNetworkPolicyIngressPeer{Pods: np}
}

// prefixes returns cidr minus the holes as the fewest prefixes, ascending.
// Unparseable input gives none (parse validated it).
func prefixes(cidr string, except []string) []netip.Prefix {
	set, err := netset.Block(cidr, except)
	if err != nil {
		return nil
	}
	return set.Prefixes()
}
