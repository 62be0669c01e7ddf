package conformance

import (
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"sigs.k8s.io/network-policy-api/apis/v1alpha1"
	"sigs.k8s.io/network-policy-api/apis/v1alpha2"
)

// Conformance cases: v1alpha1 AdminNetworkPolicy and
// BaselineAdminNetworkPolicy, and their ordering against v1alpha2. Tables:
// rows are sources, columns destinations, both xa xb xc ya yb yc za zb zc;
// '.' reachable, 'X' not.

// anpIngress appends one ingress rule to an ANP.
func anpIngress(a v1alpha1.AdminNetworkPolicyRuleAction, from []v1alpha1.AdminNetworkPolicyIngressPeer,
	ports ...v1alpha1.AdminNetworkPolicyPort) func(*v1alpha1.AdminNetworkPolicySpec) {
	return func(s *v1alpha1.AdminNetworkPolicySpec) {
		r := v1alpha1.AdminNetworkPolicyIngressRule{Action: a, From: from}
		if len(ports) > 0 {
			r.Ports = &ports
		}
		s.Ingress = append(s.Ingress, r)
	}
}

// banpIngress sets the ingress rules of a BANP.
func banpIngress(rules ...v1alpha1.BaselineAdminNetworkPolicyIngressRule) func(*v1alpha1.BaselineAdminNetworkPolicySpec) {
	return func(s *v1alpha1.BaselineAdminNetworkPolicySpec) { s.Ingress = rules }
}

const (
	allow1 = v1alpha1.AdminNetworkPolicyRuleActionAllow
	deny1  = v1alpha1.AdminNetworkPolicyRuleActionDeny
	pass1  = v1alpha1.AdminNetworkPolicyRuleActionPass
	bAllow = v1alpha1.BaselineAdminNetworkPolicyRuleActionAllow
	bDeny  = v1alpha1.BaselineAdminNetworkPolicyRuleActionDeny
)

// passXToY is an ANP passing ingress from x into y, and denyAllIntoY a BANP
// denying all ingress into y.
var (
	passXToY     = Anp("pass-x", 1, nsY, anpIngress(pass1, AnpFromNS(nsX)))
	denyAllIntoY = Banp(nsY, banpIngress(v1alpha1.BaselineAdminNetworkPolicyIngressRule{Action: bDeny, From: AnpFromNS(allNS)}))
)

var v1alpha1Cases = []Case{
	{
		Name: "ANP allow overrides NetworkPolicy deny",
		NPs:  []networkingv1.NetworkPolicy{Netpol("y", "deny", Types(TIngress))},
		ANPs: []v1alpha1.AdminNetworkPolicy{Anp("allow-c", 5, nsY, anpIngress(allow1, AnpFromPods(allNS, Sel("pod", "c"))))},
		Want: `
    x   y   z
xa ... XXX ...
xb ... XXX ...
xc ... ... ...
ya ... XXX ...
yb ... XXX ...
yc ... ... ...
za ... XXX ...
zb ... XXX ...
zc ... ... ...`,
	},
	{
		Name:  "ANP pass then BANP deny",
		ANPs:  []v1alpha1.AdminNetworkPolicy{passXToY},
		BANPs: []v1alpha1.BaselineAdminNetworkPolicy{denyAllIntoY},
		Want: `
    x   y   z
xa ... XXX ...
xb ... XXX ...
xc ... XXX ...
ya ... XXX ...
yb ... XXX ...
yc ... XXX ...
za ... XXX ...
zb ... XXX ...
zc ... XXX ...`,
	},
	{
		Name:  "ANP pass reaches a NetworkPolicy that BANP cannot override",
		NPs:   []networkingv1.NetworkPolicy{Netpol("y", "b-from-x", Selecting(Sel("pod", "b")), Ingress(From(Peers(NsPeer(nsX)))))},
		ANPs:  []v1alpha1.AdminNetworkPolicy{passXToY},
		BANPs: []v1alpha1.BaselineAdminNetworkPolicy{denyAllIntoY},
		Want: `
    x   y   z
xa ... X.X ...
xb ... X.X ...
xc ... X.X ...
ya ... XXX ...
yb ... XXX ...
yc ... XXX ...
za ... XXX ...
zb ... XXX ...
zc ... XXX ...`,
	},
	{
		Name: "BANP first matching rule decides",
		BANPs: []v1alpha1.BaselineAdminNetworkPolicy{Banp(nsZ, banpIngress(
			v1alpha1.BaselineAdminNetworkPolicyIngressRule{Action: bAllow, From: AnpFromPods(nsX, Sel("pod", "b"))},
			v1alpha1.BaselineAdminNetworkPolicyIngressRule{Action: bDeny, From: AnpFromNS(nsX)},
		))},
		Want: `
    x   y   z
xa ... ... XXX
xb ... ... ...
xc ... ... XXX
ya ... ... ...
yb ... ... ...
yc ... ... ...
za ... ... ...
zb ... ... ...
zc ... ... ...`,
	},
	{
		Name: "ANP and admin-tier CNP order by priority together",
		ANPs: []v1alpha1.AdminNetworkPolicy{Anp("allow-z", 10, nsX, anpIngress(allow1, AnpFromNS(nsZ)))},
		CNPs: []v1alpha2.ClusterNetworkPolicy{Cnp("deny-z", Admin, 5, CnpSubjectNS(nsX), CnpIn(Deny, CnpFromNS(nsZ)))},
		Want: `
    x   y   z
xa ... ... ...
xb ... ... ...
xc ... ... ...
ya ... ... ...
yb ... ... ...
yc ... ... ...
za XXX ... ...
zb XXX ... ...
zc XXX ... ...`,
	},
	{
		Name: "ANP deny on an SCTP port in egress",
		ANPs: []v1alpha1.AdminNetworkPolicy{Anp("no-sctp-80", 1, nsX, func(s *v1alpha1.AdminNetworkPolicySpec) {
			s.Egress = []v1alpha1.AdminNetworkPolicyEgressRule{{
				Action: deny1, To: []v1alpha1.AdminNetworkPolicyEgressPeer{{Namespaces: allNS}},
				Ports: &[]v1alpha1.AdminNetworkPolicyPort{{PortNumber: &v1alpha1.Port{Protocol: corev1.ProtocolSCTP, Port: 80}}},
			}}
		})},
		Probe: "SCTP/80",
		Want: `
    x   y   z
xa XXX XXX XXX
xb XXX XXX XXX
xc XXX XXX XXX
ya ... ... ...
yb ... ... ...
yc ... ... ...
za ... ... ...
zb ... ... ...
zc ... ... ...`,
	},
	{
		Name: "ANP port range",
		ANPs: []v1alpha1.AdminNetworkPolicy{Anp("no-80-81", 1, nsX, anpIngress(deny1, AnpFromNS(allNS),
			v1alpha1.AdminNetworkPolicyPort{PortRange: &v1alpha1.PortRange{Protocol: corev1.ProtocolTCP, Start: 80, End: 81}}))},
		Probe: "TCP/81",
		Want: `
    x   y   z
xa XXX ... ...
xb XXX ... ...
xc XXX ... ...
ya XXX ... ...
yb XXX ... ...
yc XXX ... ...
za XXX ... ...
zb XXX ... ...
zc XXX ... ...`,
	},
	{
		Name: "ANP named port matches the container port's protocol",
		ANPs: []v1alpha1.AdminNetworkPolicy{Anp("no-named", 1, nsX, anpIngress(deny1, AnpFromNS(allNS),
			v1alpha1.AdminNetworkPolicyPort{NamedPort: ptr("serve-80-sctp")}))},
		Probe: "TCP/80",
		Want:  reachAll,
	},
}

func ptr[T any](v T) *T { return &v }
