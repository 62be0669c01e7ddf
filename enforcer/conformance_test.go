package enforcer

import (
	"testing"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/netpolc/netpolc/internal/portset"
	"github.com/netpolc/netpolc/internal/testkit/conformance"
)

// The conformance suite (package conformance) follows Kubernetes' e2e
// network policy tests: a fixed cluster and, per case, a policy set with
// its full reachability table written by hand from the documented
// semantics (never produced by the model). This file runs it against the
// model.

// confPolicies normalises a case's objects with the public adapters.
func confPolicies(t testing.TB, c conformance.Case) Policies {
	t.Helper()
	var nps []SourcedNetworkPolicy
	for _, np := range c.NPs {
		nps = append(nps, SourcedNetworkPolicy{NetworkPolicy: np})
	}
	var cnps []SourcedClusterNetworkPolicy
	for _, p := range c.CNPs {
		cnps = append(cnps, SourcedClusterNetworkPolicy{ClusterNetworkPolicy: p})
	}
	var anps []SourcedAdminNetworkPolicy
	for _, p := range c.ANPs {
		anps = append(anps, SourcedAdminNetworkPolicy{AdminNetworkPolicy: p})
	}
	var banps []SourcedBaselineAdminNetworkPolicy
	for _, p := range c.BANPs {
		banps = append(banps, SourcedBaselineAdminNetworkPolicy{BaselineAdminNetworkPolicy: p})
	}
	p1, err1 := FromNetworkPolicies(nps)
	p2, err2 := FromClusterNetworkPolicies(cnps)
	p3, err3 := FromAdminNetworkPolicies(anps)
	p4, err4 := FromBaselineAdminNetworkPolicies(banps)
	for _, err := range []error{err1, err2, err3, err4} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return Join(p1, p2, p3, p4)
}

func TestConformance(t *testing.T) {
	cases := conformance.Cases()
	if len(cases) < 60 {
		t.Errorf("only %d conformance cases", len(cases))
	}
	seen := map[string]bool{}
	for _, c := range cases {
		if seen[c.Name] {
			t.Errorf("duplicate case name %q", c.Name)
		}
		seen[c.Name] = true
		t.Run(c.Name, func(t *testing.T) { runConfCase(t, c) })
	}
}

func runConfCase(t *testing.T, c conformance.Case) {
	inv := c.Inventory()
	m, err := New(inv, confPolicies(t, c))
	if err != nil {
		t.Fatal(err)
	}
	probe := c.ProbeOrDefault()
	pset, err := portset.Parse(probe)
	if err != nil {
		t.Fatal(err)
	}
	proto, port := confProbe(pset)
	want, err := conformance.ParseTable(c.Want)
	if err != nil {
		t.Fatal(err)
	}
	matrix := m.Matrix()
	var got conformance.Table
	for s := range 9 {
		for d := range 9 {
			v, err := m.Verdict(conformance.ID(s), conformance.ID(d), proto, port)
			if err != nil {
				t.Fatal(err)
			}
			got[s][d] = v.Allowed
			if s != d && matrix.Ports(conformance.ID(s), conformance.ID(d)).Contains(proto, port) != v.Allowed {
				t.Errorf("%s -> %s: matrix says %v, verdict says %v", conformance.ID(s), conformance.ID(d), !v.Allowed, v.Allowed)
			}
		}
	}
	if got != want {
		t.Errorf("reachability on %s:\ngot:\n%swant:\n%s", probe, got, want)
	}
	for _, e := range c.Extra {
		v, err := m.Verdict(e.Src, e.Dst, proto, port)
		if err != nil {
			t.Fatal(err)
		}
		if v.Allowed != e.Allowed {
			t.Errorf("%s -> %s on %s: allowed=%v, want %v", e.Src, e.Dst, probe, v.Allowed, e.Allowed)
		}
	}
}

// confProbe takes the single port out of a one-port set.
func confProbe(s portset.Set) (portset.Protocol, int32) {
	for _, p := range portset.Protocols {
		if rs := s.Ranges(p); len(rs) > 0 {
			return p, int32(rs[0].First)
		}
	}
	return portset.TCP, 0
}

// Namespace selectors for the other tests' hand-built cases.
var (
	nsX, nsY, nsZ = conformance.Sel("ns", "x"), conformance.Sel("ns", "y"), conformance.Sel("ns", "z")
	allNS         = conformance.Sel()
)

// aFrom isolates x/a for ingress, allowing the peers on every port.
func aFrom(p ...networkingv1.NetworkPolicyPeer) []networkingv1.NetworkPolicy {
	return []networkingv1.NetworkPolicy{conformance.Netpol("x", "a-from", conformance.Selecting(conformance.Sel("pod", "a")), conformance.Ingress(conformance.From(p)))}
}
