package conformance

import (
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/network-policy-api/apis/v1alpha1"
	"sigs.k8s.io/network-policy-api/apis/v1alpha2"
)

// Small builders for the conformance cases: each object starts minimal and
// is shaped by tweak functions, as in upstream's e2e tests.

type npTweak func(*networkingv1.NetworkPolicy)

// netpol builds a NetworkPolicy selecting every pod of ns, with no rules
// and no policyTypes, then applies the tweaks.
func netpol(ns, name string, tweaks ...npTweak) networkingv1.NetworkPolicy {
	np := networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	for _, t := range tweaks {
		t(&np)
	}
	return np
}

func selecting(sel *metav1.LabelSelector) npTweak {
	return func(np *networkingv1.NetworkPolicy) { np.Spec.PodSelector = *sel }
}

func types(ts ...networkingv1.PolicyType) npTweak {
	return func(np *networkingv1.NetworkPolicy) { np.Spec.PolicyTypes = ts }
}

var (
	tIngress = networkingv1.PolicyTypeIngress
	tEgress  = networkingv1.PolicyTypeEgress
)

func ingress(rules ...networkingv1.NetworkPolicyIngressRule) npTweak {
	return func(np *networkingv1.NetworkPolicy) {
		np.Spec.Ingress = append(np.Spec.Ingress, rules...)
	}
}

// noIngressRules sets ingress to an explicit empty list.
func noIngressRules() npTweak {
	return func(np *networkingv1.NetworkPolicy) { np.Spec.Ingress = []networkingv1.NetworkPolicyIngressRule{} }
}

func egress(rules ...networkingv1.NetworkPolicyEgressRule) npTweak {
	return func(np *networkingv1.NetworkPolicy) {
		np.Spec.Egress = append(np.Spec.Egress, rules...)
	}
}

type ports []networkingv1.NetworkPolicyPort

func from(peers []networkingv1.NetworkPolicyPeer, p ...networkingv1.NetworkPolicyPort) networkingv1.NetworkPolicyIngressRule {
	return networkingv1.NetworkPolicyIngressRule{From: peers, Ports: p}
}

func to(peers []networkingv1.NetworkPolicyPeer, p ...networkingv1.NetworkPolicyPort) networkingv1.NetworkPolicyEgressRule {
	return networkingv1.NetworkPolicyEgressRule{To: peers, Ports: p}
}

// anyone is an absent from/to list: every peer.
var anyone []networkingv1.NetworkPolicyPeer

func peers(ps ...networkingv1.NetworkPolicyPeer) []networkingv1.NetworkPolicyPeer { return ps }

func podPeer(sel *metav1.LabelSelector) networkingv1.NetworkPolicyPeer {
	return networkingv1.NetworkPolicyPeer{PodSelector: sel}
}

func nsPeer(sel *metav1.LabelSelector) networkingv1.NetworkPolicyPeer {
	return networkingv1.NetworkPolicyPeer{NamespaceSelector: sel}
}

func nsPodPeer(ns, pods *metav1.LabelSelector) networkingv1.NetworkPolicyPeer {
	return networkingv1.NetworkPolicyPeer{NamespaceSelector: ns, PodSelector: pods}
}

func ipPeer(cidr string, except ...string) networkingv1.NetworkPolicyPeer {
	return networkingv1.NetworkPolicyPeer{IPBlock: &networkingv1.IPBlock{CIDR: cidr, Except: except}}
}

// sel is a matchLabels selector from key, value pairs; sel() is {}.
func sel(kv ...string) *metav1.LabelSelector {
	s := &metav1.LabelSelector{}
	for i := 0; i+1 < len(kv); i += 2 {
		if s.MatchLabels == nil {
			s.MatchLabels = map[string]string{}
		}
		s.MatchLabels[kv[i]] = kv[i+1]
	}
	return s
}

// expr is a one-expression selector.
func expr(key string, op metav1.LabelSelectorOperator, values ...string) *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
		{Key: key, Operator: op, Values: values}}}
}

func proto(p corev1.Protocol) *corev1.Protocol { return &p }

func port(p corev1.Protocol, n int) networkingv1.NetworkPolicyPort {
	v := intstr.FromInt32(int32(n))
	return networkingv1.NetworkPolicyPort{Protocol: proto(p), Port: &v}
}

func portRange(p corev1.Protocol, first, last int) networkingv1.NetworkPolicyPort {
	np := port(p, first)
	end := int32(last)
	np.EndPort = &end
	return np
}

// portNoProto is a port number with the protocol left to its default.
func portNoProto(n int) networkingv1.NetworkPolicyPort {
	v := intstr.FromInt32(int32(n))
	return networkingv1.NetworkPolicyPort{Port: &v}
}

// named is a named port; p empty leaves the protocol to its default.
func named(p corev1.Protocol, name string) networkingv1.NetworkPolicyPort {
	v := intstr.FromString(name)
	np := networkingv1.NetworkPolicyPort{Port: &v}
	if p != "" {
		np.Protocol = proto(p)
	}
	return np
}

// protoOnly is every port of one protocol.
func protoOnly(p corev1.Protocol) networkingv1.NetworkPolicyPort {
	return networkingv1.NetworkPolicyPort{Protocol: proto(p)}
}

const (
	TCP  = corev1.ProtocolTCP
	UDP  = corev1.ProtocolUDP
	SCTP = corev1.ProtocolSCTP
)

// --- admin policies ---

type cnpTweak func(*v1alpha2.ClusterNetworkPolicy)

func cnp(name string, tier v1alpha2.Tier, priority int32, tweaks ...cnpTweak) v1alpha2.ClusterNetworkPolicy {
	c := v1alpha2.ClusterNetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: name}}
	c.Spec.Tier, c.Spec.Priority = tier, priority
	for _, t := range tweaks {
		t(&c)
	}
	return c
}

func cnpSubjectNS(s *metav1.LabelSelector) cnpTweak {
	return func(c *v1alpha2.ClusterNetworkPolicy) { c.Spec.Subject.Namespaces = s }
}

func cnpSubjectPods(ns, pods *metav1.LabelSelector) cnpTweak {
	return func(c *v1alpha2.ClusterNetworkPolicy) {
		c.Spec.Subject.Pods = &v1alpha2.NamespacedPod{NamespaceSelector: *ns, PodSelector: *pods}
	}
}

func cnpIn(a v1alpha2.ClusterNetworkPolicyRuleAction, peer v1alpha2.ClusterNetworkPolicyIngressPeer,
	protos ...v1alpha2.ClusterNetworkPolicyProtocol) cnpTweak {
	return func(c *v1alpha2.ClusterNetworkPolicy) {
		c.Spec.Ingress = append(c.Spec.Ingress, v1alpha2.ClusterNetworkPolicyIngressRule{
			Action: a, From: []v1alpha2.ClusterNetworkPolicyIngressPeer{peer}, Protocols: protos})
	}
}

func cnpOut(a v1alpha2.ClusterNetworkPolicyRuleAction, peer v1alpha2.ClusterNetworkPolicyEgressPeer,
	protos ...v1alpha2.ClusterNetworkPolicyProtocol) cnpTweak {
	return func(c *v1alpha2.ClusterNetworkPolicy) {
		c.Spec.Egress = append(c.Spec.Egress, v1alpha2.ClusterNetworkPolicyEgressRule{
			Action: a, To: []v1alpha2.ClusterNetworkPolicyEgressPeer{peer}, Protocols: protos})
	}
}

func cnpFromNS(s *metav1.LabelSelector) v1alpha2.ClusterNetworkPolicyIngressPeer {
	return v1alpha2.ClusterNetworkPolicyIngressPeer{Namespaces: s}
}

func cnpFromPods(ns, pods *metav1.LabelSelector) v1alpha2.ClusterNetworkPolicyIngressPeer {
	return v1alpha2.ClusterNetworkPolicyIngressPeer{Pods: &v1alpha2.NamespacedPod{NamespaceSelector: *ns, PodSelector: *pods}}
}

func cnpToNS(s *metav1.LabelSelector) v1alpha2.ClusterNetworkPolicyEgressPeer {
	return v1alpha2.ClusterNetworkPolicyEgressPeer{Namespaces: s}
}

func cnpToNets(cidrs ...v1alpha2.CIDR) v1alpha2.ClusterNetworkPolicyEgressPeer {
	return v1alpha2.ClusterNetworkPolicyEgressPeer{Networks: cidrs}
}

func cnpTCP(n int32) v1alpha2.ClusterNetworkPolicyProtocol {
	return v1alpha2.ClusterNetworkPolicyProtocol{TCP: &v1alpha2.ClusterNetworkPolicyProtocolTCP{
		DestinationPort: &v1alpha2.Port{Number: n}}}
}

func cnpNamed(name string) v1alpha2.ClusterNetworkPolicyProtocol {
	return v1alpha2.ClusterNetworkPolicyProtocol{DestinationNamedPort: name}
}

const (
	accept = v1alpha2.ClusterNetworkPolicyRuleActionAccept
	deny   = v1alpha2.ClusterNetworkPolicyRuleActionDeny
	pass   = v1alpha2.ClusterNetworkPolicyRuleActionPass
	admin  = v1alpha2.AdminTier
	base   = v1alpha2.BaselineTier
)

func anp(name string, priority int32, subject *metav1.LabelSelector,
	tweak func(*v1alpha1.AdminNetworkPolicySpec)) v1alpha1.AdminNetworkPolicy {
	a := v1alpha1.AdminNetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: name}}
	a.Spec.Priority = priority
	a.Spec.Subject.Namespaces = subject
	tweak(&a.Spec)
	return a
}

func banp(subject *metav1.LabelSelector, tweak func(*v1alpha1.BaselineAdminNetworkPolicySpec)) v1alpha1.BaselineAdminNetworkPolicy {
	b := v1alpha1.BaselineAdminNetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "default"}}
	b.Spec.Subject.Namespaces = subject
	tweak(&b.Spec)
	return b
}

func anpFromNS(s *metav1.LabelSelector) []v1alpha1.AdminNetworkPolicyIngressPeer {
	return []v1alpha1.AdminNetworkPolicyIngressPeer{{Namespaces: s}}
}

func anpFromPods(ns, pods *metav1.LabelSelector) []v1alpha1.AdminNetworkPolicyIngressPeer {
	return []v1alpha1.AdminNetworkPolicyIngressPeer{{Pods: &v1alpha1.NamespacedPod{NamespaceSelector: *ns, PodSelector: *pods}}}
}
