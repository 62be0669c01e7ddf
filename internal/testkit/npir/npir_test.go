package npir_test

import (
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/testkit/conformance"
	"github.com/netpolc/netpolc/internal/testkit/npir"
)

// TestConformanceEquivalence converts every conformance case's
// NetworkPolicies to IR and requires enforcer.FromIR of the result to give
// the same matrix as enforcer.FromNetworkPolicies of the originals, over
// the case's cluster (admin-layer objects are left out on both sides).
func TestConformanceEquivalence(t *testing.T) {
	cases := conformance.Cases()
	if len(cases) < 60 {
		t.Fatalf("only %d conformance cases", len(cases))
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			inv := c.Inventory()
			var sourced []enforcer.SourcedNetworkPolicy
			for _, np := range c.NPs {
				sourced = append(sourced, enforcer.SourcedNetworkPolicy{NetworkPolicy: np})
			}
			pols, err := enforcer.FromNetworkPolicies(sourced)
			if err != nil {
				t.Fatal(err)
			}
			want, err := enforcer.New(inv, pols)
			if err != nil {
				t.Fatal(err)
			}
			p, err := npir.FromNetworkPolicies(c.NPs, inv)
			if err != nil {
				t.Fatal(err)
			}
			irPols, err := enforcer.FromIR(p)
			if err != nil {
				t.Fatal(err)
			}
			got, err := enforcer.New(inv, irPols)
			if err != nil {
				t.Fatal(err)
			}
			if d := enforcer.Diff(want.Matrix(), got.Matrix()); !d.Empty() {
				t.Errorf("FromIR(npir) differs from FromNetworkPolicies: %+v", d)
			}
		})
	}
}

// TestErrors: what the IR cannot represent or the API rejects is an error.
func TestErrors(t *testing.T) {
	bad := func(tweak func(*networkingv1.NetworkPolicy)) networkingv1.NetworkPolicy {
		np := networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: "x", Name: "bad"}}
		tweak(&np)
		return np
	}
	for name, np := range map[string]networkingv1.NetworkPolicy{
		"unknown type": bad(func(np *networkingv1.NetworkPolicy) { np.Spec.PolicyTypes = []networkingv1.PolicyType{"Sideways"} }),
		"empty peer": bad(func(np *networkingv1.NetworkPolicy) {
			np.Spec.Ingress = []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{{}}}}
		}),
		"ipBlock with selector": bad(func(np *networkingv1.NetworkPolicy) {
			np.Spec.Ingress = []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{{
				IPBlock: &networkingv1.IPBlock{CIDR: "10.0.0.0/8"}, PodSelector: &metav1.LabelSelector{}}}}}
		}),
	} {
		if _, err := npir.FromNetworkPolicies([]networkingv1.NetworkPolicy{np}, conformance.Inventory()); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
