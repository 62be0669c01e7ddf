package conformance

import (
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/network-policy-api/apis/v1alpha1"
	"sigs.k8s.io/network-policy-api/apis/v1alpha2"
)

// Small builders for the conformance cases and the model's own tests: each
// object starts minimal and is shaped by tweak functions, as in upstream's
// e2e tests.

// NpTweak shapes a NetworkPolicy under construction.
type NpTweak func(*networkingv1.NetworkPolicy)

// Netpol builds a NetworkPolicy selecting every pod of ns, with no rules
// and no policyTypes, then applies the tweaks.
func Netpol(ns, name string, tweaks ...NpTweak) networkingv1.NetworkPolicy {
	np := networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	for _, t := range tweaks {
		t(&np)
	}
	return np
}

// Selecting sets the policy's podSelector.
func Selecting(sel *metav1.LabelSelector) NpTweak {
	return func(np *networkingv1.NetworkPolicy) { np.Spec.PodSelector = *sel }
}

// Types sets policyTypes explicitly.
func Types(ts ...networkingv1.PolicyType) NpTweak {
	return func(np *networkingv1.NetworkPolicy) { np.Spec.PolicyTypes = ts }
}

// The policy types, for Types.
var (
	TIngress = networkingv1.PolicyTypeIngress
	TEgress  = networkingv1.PolicyTypeEgress
)

// Ingress adds ingress rules.
func Ingress(rules ...networkingv1.NetworkPolicyIngressRule) NpTweak {
	return func(np *networkingv1.NetworkPolicy) {
		np.Spec.Ingress = append(np.Spec.Ingress, rules...)
	}
}

// noIngressRules sets ingress to an explicit empty list.
func noIngressRules() NpTweak {
	return func(np *networkingv1.NetworkPolicy) { np.Spec.Ingress = []networkingv1.NetworkPolicyIngressRule{} }
}

// Egress adds egress rules.
func Egress(rules ...networkingv1.NetworkPolicyEgressRule) NpTweak {
	return func(np *networkingv1.NetworkPolicy) {
		np.Spec.Egress = append(np.Spec.Egress, rules...)
	}
}

// Ports is a list of NetworkPolicy ports.
type Ports []networkingv1.NetworkPolicyPort

// From is an ingress rule from peers (nil: everyone) on ports (none: all).
func From(peers []networkingv1.NetworkPolicyPeer, p ...networkingv1.NetworkPolicyPort) networkingv1.NetworkPolicyIngressRule {
	return networkingv1.NetworkPolicyIngressRule{From: peers, Ports: p}
}

// To is an egress rule to peers (nil: everywhere) on ports (none: all).
func To(peers []networkingv1.NetworkPolicyPeer, p ...networkingv1.NetworkPolicyPort) networkingv1.NetworkPolicyEgressRule {
	return networkingv1.NetworkPolicyEgressRule{To: peers, Ports: p}
}

// Anyone is an absent from/to list: every peer.
var Anyone []networkingv1.NetworkPolicyPeer

// Peers lists peers.
func Peers(ps ...networkingv1.NetworkPolicyPeer) []networkingv1.NetworkPolicyPeer { return ps }

// PodPeer selects pods of the policy's own namespace.
func PodPeer(sel *metav1.LabelSelector) networkingv1.NetworkPolicyPeer {
	return networkingv1.NetworkPolicyPeer{PodSelector: sel}
}

// NsPeer selects every pod of the matching namespaces.
func NsPeer(sel *metav1.LabelSelector) networkingv1.NetworkPolicyPeer {
	return networkingv1.NetworkPolicyPeer{NamespaceSelector: sel}
}

// NsPodPeer selects matching pods of matching namespaces (AND).
func NsPodPeer(ns, pods *metav1.LabelSelector) networkingv1.NetworkPolicyPeer {
	return networkingv1.NetworkPolicyPeer{NamespaceSelector: ns, PodSelector: pods}
}

// IpPeer is an ipBlock with holes.
func IpPeer(cidr string, except ...string) networkingv1.NetworkPolicyPeer {
	return networkingv1.NetworkPolicyPeer{IPBlock: &networkingv1.IPBlock{CIDR: cidr, Except: except}}
}

// Sel is a matchLabels selector from key, value pairs; sel() is {}.
func Sel(kv ...string) *metav1.LabelSelector {
	s := &metav1.LabelSelector{}
	for i := 0; i+1 < len(kv); i += 2 {
		if s.MatchLabels == nil {
			s.MatchLabels = map[string]string{}
		}
		s.MatchLabels[kv[i]] = kv[i+1]
	}
	return s
}

// Expr is a one-expression selector.
func Expr(key string, op metav1.LabelSelectorOperator, values ...string) *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
		{Key: key, Operator: op, Values: values}}}
}

// Proto points at a protocol.
func Proto(p corev1.Protocol) *corev1.Protocol { return &p }

// Port is one numeric port of a protocol.
func Port(p corev1.Protocol, n int) networkingv1.NetworkPolicyPort {
	v := intstr.FromInt32(int32(n))
	return networkingv1.NetworkPolicyPort{Protocol: Proto(p), Port: &v}
}

// PortRange is first..last (endPort) of a protocol.
func PortRange(p corev1.Protocol, first, last int) networkingv1.NetworkPolicyPort {
	np := Port(p, first)
	end := int32(last)
	np.EndPort = &end
	return np
}

// portNoProto is a port number with the protocol left to its default.
func portNoProto(n int) networkingv1.NetworkPolicyPort {
	v := intstr.FromInt32(int32(n))
	return networkingv1.NetworkPolicyPort{Port: &v}
}

// Named is a named port; p empty leaves the protocol to its default.
func Named(p corev1.Protocol, name string) networkingv1.NetworkPolicyPort {
	v := intstr.FromString(name)
	np := networkingv1.NetworkPolicyPort{Port: &v}
	if p != "" {
		np.Protocol = Proto(p)
	}
	return np
}

// ProtoOnly is every port of one protocol.
func ProtoOnly(p corev1.Protocol) networkingv1.NetworkPolicyPort {
	return networkingv1.NetworkPolicyPort{Protocol: Proto(p)}
}

// The protocols, for ports.
const (
	TCP  = corev1.ProtocolTCP
	UDP  = corev1.ProtocolUDP
	SCTP = corev1.ProtocolSCTP
)

// --- admin policies ---

// CnpTweak shapes a ClusterNetworkPolicy under construction.
type CnpTweak func(*v1alpha2.ClusterNetworkPolicy)

// Cnp builds a v1alpha2 ClusterNetworkPolicy in a tier at a priority.
func Cnp(name string, tier v1alpha2.Tier, priority int32, tweaks ...CnpTweak) v1alpha2.ClusterNetworkPolicy {
	c := v1alpha2.ClusterNetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: name}}
	c.Spec.Tier, c.Spec.Priority = tier, priority
	for _, t := range tweaks {
		t(&c)
	}
	return c
}

// CnpSubjectNS makes the policy select every pod of matching namespaces.
func CnpSubjectNS(s *metav1.LabelSelector) CnpTweak {
	return func(c *v1alpha2.ClusterNetworkPolicy) { c.Spec.Subject.Namespaces = s }
}

// CnpSubjectPods makes the policy select matching pods of matching namespaces.
func CnpSubjectPods(ns, pods *metav1.LabelSelector) CnpTweak {
	return func(c *v1alpha2.ClusterNetworkPolicy) {
		c.Spec.Subject.Pods = &v1alpha2.NamespacedPod{NamespaceSelector: *ns, PodSelector: *pods}
	}
}

// CnpIn adds an ingress rule with an action, a peer and ports.
func CnpIn(a v1alpha2.ClusterNetworkPolicyRuleAction, peer v1alpha2.ClusterNetworkPolicyIngressPeer,
	protos ...v1alpha2.ClusterNetworkPolicyProtocol) CnpTweak {
	return func(c *v1alpha2.ClusterNetworkPolicy) {
		c.Spec.Ingress = append(c.Spec.Ingress, v1alpha2.ClusterNetworkPolicyIngressRule{
			Action: a, From: []v1alpha2.ClusterNetworkPolicyIngressPeer{peer}, Protocols: protos})
	}
}

// CnpOut adds an egress rule with an action, a peer and ports.
func CnpOut(a v1alpha2.ClusterNetworkPolicyRuleAction, peer v1alpha2.ClusterNetworkPolicyEgressPeer,
	protos ...v1alpha2.ClusterNetworkPolicyProtocol) CnpTweak {
	return func(c *v1alpha2.ClusterNetworkPolicy) {
		c.Spec.Egress = append(c.Spec.Egress, v1alpha2.ClusterNetworkPolicyEgressRule{
			Action: a, To: []v1alpha2.ClusterNetworkPolicyEgressPeer{peer}, Protocols: protos})
	}
}

// CnpFromNS is an ingress peer: every pod of matching namespaces.
func CnpFromNS(s *metav1.LabelSelector) v1alpha2.ClusterNetworkPolicyIngressPeer {
	return v1alpha2.ClusterNetworkPolicyIngressPeer{Namespaces: s}
}

// CnpFromPods is an ingress peer: matching pods of matching namespaces.
func CnpFromPods(ns, pods *metav1.LabelSelector) v1alpha2.ClusterNetworkPolicyIngressPeer {
	return v1alpha2.ClusterNetworkPolicyIngressPeer{Pods: &v1alpha2.NamespacedPod{NamespaceSelector: *ns, PodSelector: *pods}}
}

// CnpToNS is an egress peer: every pod of matching namespaces.
func CnpToNS(s *metav1.LabelSelector) v1alpha2.ClusterNetworkPolicyEgressPeer {
	return v1alpha2.ClusterNetworkPolicyEgressPeer{Namespaces: s}
}

// CnpToNets is an egress peer: networks.
func CnpToNets(cidrs ...v1alpha2.CIDR) v1alpha2.ClusterNetworkPolicyEgressPeer {
	return v1alpha2.ClusterNetworkPolicyEgressPeer{Networks: cidrs}
}

// CnpTCP is one TCP port in the admin API.
func CnpTCP(n int32) v1alpha2.ClusterNetworkPolicyProtocol {
	return v1alpha2.ClusterNetworkPolicyProtocol{TCP: &v1alpha2.ClusterNetworkPolicyProtocolTCP{
		DestinationPort: &v1alpha2.Port{Number: n}}}
}

// CnpNamed is a named port in the admin API.
func CnpNamed(name string) v1alpha2.ClusterNetworkPolicyProtocol {
	return v1alpha2.ClusterNetworkPolicyProtocol{DestinationNamedPort: name}
}

const (
	Accept = v1alpha2.ClusterNetworkPolicyRuleActionAccept
	Deny   = v1alpha2.ClusterNetworkPolicyRuleActionDeny
	Pass   = v1alpha2.ClusterNetworkPolicyRuleActionPass
	Admin  = v1alpha2.AdminTier
	Base   = v1alpha2.BaselineTier
)

// Anp builds a v1alpha1 AdminNetworkPolicy.
func Anp(name string, priority int32, subject *metav1.LabelSelector,
	tweak func(*v1alpha1.AdminNetworkPolicySpec)) v1alpha1.AdminNetworkPolicy {
	a := v1alpha1.AdminNetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: name}}
	a.Spec.Priority = priority
	a.Spec.Subject.Namespaces = subject
	tweak(&a.Spec)
	return a
}

// Banp builds the v1alpha1 BaselineAdminNetworkPolicy.
func Banp(subject *metav1.LabelSelector, tweak func(*v1alpha1.BaselineAdminNetworkPolicySpec)) v1alpha1.BaselineAdminNetworkPolicy {
	b := v1alpha1.BaselineAdminNetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "default"}}
	b.Spec.Subject.Namespaces = subject
	tweak(&b.Spec)
	return b
}

// AnpFromNS is an ANP ingress peer: every pod of matching namespaces.
func AnpFromNS(s *metav1.LabelSelector) []v1alpha1.AdminNetworkPolicyIngressPeer {
	return []v1alpha1.AdminNetworkPolicyIngressPeer{{Namespaces: s}}
}

// AnpFromPods is an ANP ingress peer: matching pods of matching namespaces.
func AnpFromPods(ns, pods *metav1.LabelSelector) []v1alpha1.AdminNetworkPolicyIngressPeer {
	return []v1alpha1.AdminNetworkPolicyIngressPeer{{Pods: &v1alpha1.NamespacedPod{NamespaceSelector: *ns, PodSelector: *pods}}}
}
