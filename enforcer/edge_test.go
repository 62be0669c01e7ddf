package enforcer

import (
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/network-policy-api/apis/v1alpha1"

	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/portset"
)

// edgeCase is app/web behind a route on TCP/8080 from the controller
// ingress/ctl (when mapped) or {ingress-controller}, and the policies on
// app/web.
type edgeCase struct {
	name       string
	from       []networkingv1.NetworkPolicyPeer // nil: no NetworkPolicy; empty: a rule without peers
	denyOther  bool                             // an admin Deny from namespaces labelled team=other
	unknown    string                           // want, from {ingress-controller}
	controller string                           // want, from ingress/ctl
}

func TestEdgeFailsClosed(t *testing.T) {
	block := func(cidr string) networkingv1.NetworkPolicyPeer {
		return networkingv1.NetworkPolicyPeer{IPBlock: &networkingv1.IPBlock{CIDR: cidr}}
	}
	allNS := networkingv1.NetworkPolicyPeer{NamespaceSelector: &metav1.LabelSelector{}}
	cases := []edgeCase{
		{name: "no policy", unknown: "TCP/8080", controller: "TCP/8080"},
		{name: "rule without peers", from: []networkingv1.NetworkPolicyPeer{}, unknown: "TCP/8080", controller: "TCP/8080"},
		{name: "all namespaces", from: []networkingv1.NetworkPolicyPeer{allNS}, unknown: "none", controller: "TCP/8080"},
		{name: "IPv4 only", from: []networkingv1.NetworkPolicyPeer{block("0.0.0.0/0")}, unknown: "none", controller: "none"},
		{name: "IPv4 and IPv6", from: []networkingv1.NetworkPolicyPeer{block("0.0.0.0/0"), block("::/0")}, unknown: "TCP/8080", controller: "none"},
		{name: "admin deny of another team", denyOther: true, unknown: "none", controller: "TCP/8080"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, mapped := range []bool{false, true} {
				m := edgeModel(t, c, mapped)
				src, want := inventory.UnknownController, c.unknown
				if mapped {
					src, want = "{ingress-controller:ingress/ctl}", c.controller
				}
				if got := m.Matrix().Ports(src, "app/web").String(); got != want {
					t.Errorf("%s → app/web: %q, want %q", src, got, want)
				}
				v, err := m.Verdict(src, "app/web", portset.TCP, 8080)
				if err != nil || v.Allowed != (want != "none") || v.Edge == nil || len(v.Edge.Routes) != 1 {
					t.Errorf("%s verdict %+v, %v", src, v, err)
				}
				if v, _ := m.Verdict(src, "app/web", portset.TCP, 9090); v.Allowed || len(v.Edge.Routes) != 0 {
					t.Errorf("%s reaches an unrouted port: %+v", src, v)
				}
			}
		})
	}
}

func edgeModel(t *testing.T, c edgeCase, mapped bool) *Model {
	t.Helper()
	inv := inventory.Inventory{Endpoints: []inventory.Endpoint{
		{Namespace: "app", Name: "web", Kind: "Deployment", Labels: map[string]string{"app": "web"}},
		{Namespace: "ingress", Name: "ctl", Kind: "Deployment", Labels: map[string]string{"app": "ctl"}},
	}}
	var nps []SourcedNetworkPolicy
	if c.from != nil {
		nps = append(nps, SourcedNetworkPolicy{NetworkPolicy: networkingv1.NetworkPolicy{
			ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "app"},
			Spec: networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
				Ingress: []networkingv1.NetworkPolicyIngressRule{{From: c.from}}}}})
	}
	np, err := FromNetworkPolicies(nps)
	if err != nil {
		t.Fatal(err)
	}
	var anps []SourcedAdminNetworkPolicy
	if c.denyOther {
		other := &metav1.LabelSelector{MatchLabels: map[string]string{"team": "other"}}
		anps = append(anps, SourcedAdminNetworkPolicy{AdminNetworkPolicy: v1alpha1.AdminNetworkPolicy{
			ObjectMeta: metav1.ObjectMeta{Name: "deny-other"},
			Spec: v1alpha1.AdminNetworkPolicySpec{Priority: 10, Subject: v1alpha1.AdminNetworkPolicySubject{Namespaces: &metav1.LabelSelector{}},
				Ingress: []v1alpha1.AdminNetworkPolicyIngressRule{{Action: "Deny",
					From: []v1alpha1.AdminNetworkPolicyIngressPeer{{Namespaces: other}}}}}}})
	}
	anp, err := FromAdminNetworkPolicies(anps)
	if err != nil {
		t.Fatal(err)
	}
	edge := inventory.Edge{Routes: []inventory.Route{{Via: "Ingress app/web", Controller: "ingress/nginx", Service: "app/svc/web",
		Port: "80", Targets: []inventory.Target{{Endpoint: "app/web", Protocol: portset.TCP, Port: 8080}}}}}
	ctl := map[string]string{}
	if mapped {
		ctl["ingress/nginx"] = "ingress/ctl"
	}
	m, err := New(inv, Join(np, anp), WithEdge(edge, ctl))
	if err != nil {
		t.Fatal(err)
	}
	return m
}
