package knp

import (
	"testing"

	"sigs.k8s.io/network-policy-api/apis/v1alpha1"

	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/testkit/conformance"
)

// The differential tests: kube-network-policies decides every probe
// packet of a case and netpolc's model decides the same packets from its
// reading of the same objects; any disagreement fails.

// wider counts the per-address disagreements where the engine allows and
// the model denies: the cluster would allow what the proof says it denies.
func wider(r Result) int {
	n := 0
	for _, d := range r.PerAddress {
		if d.Engine && !d.Model {
			n++
		}
	}
	return n
}

// report fails the test on the disagreements of one case (the first few
// printed) and adds its figures to the totals.
func report(t *testing.T, name string, res Result, totals *Result) {
	t.Helper()
	totals.Packets += res.Packets
	totals.Disagreements = append(totals.Disagreements, res.Disagreements...)
	totals.PerAddress = append(totals.PerAddress, res.PerAddress...)
	totals.Split = append(totals.Split, res.Split...)
	for i, d := range res.Split {
		if i == 5 {
			t.Errorf("%s: ... %d disagreements of the per-address reading in all", name, len(res.Split))
			break
		}
		t.Errorf("%s: the proof's per-address reading: %s", name, d)
	}
	for i, d := range res.PerAddress {
		if i == 2 {
			break
		}
		t.Logf("%s: per-address (model defect, counted apart): %s", name, d)
	}
	for i, d := range res.Disagreements {
		if i == 5 {
			t.Errorf("%s: ... %d disagreements in all", name, len(res.Disagreements))
			break
		}
		t.Errorf("%s: %s", name, d)
	}
}

// confObjects are a conformance case's objects for the engine and the
// model's reading of them.
func confObjects(t *testing.T, c conformance.Case) (Objects, enforcer.Policies) {
	t.Helper()
	objs := Objects{NetworkPolicies: c.NPs, ANPs: c.ANPs, BANPs: c.BANPs}
	anps := make([]enforcer.SourcedAdminNetworkPolicy, len(c.ANPs))
	for i := range c.ANPs {
		anps[i].AdminNetworkPolicy = c.ANPs[i]
	}
	banps := make([]enforcer.SourcedBaselineAdminNetworkPolicy, len(c.BANPs))
	for i := range c.BANPs {
		banps[i].BaselineAdminNetworkPolicy = c.BANPs[i]
	}
	p1, err1 := enforcer.FromNetworkPolicies(enforcer.WithoutSource(c.NPs))
	p2, err2 := enforcer.FromAdminNetworkPolicies(anps)
	p3, err3 := enforcer.FromBaselineAdminNetworkPolicies(banps)
	for _, err := range []error{err1, err2, err3} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return objs, enforcer.Join(p1, p2, p3)
}

// TestConformanceDifferential runs every conformance case kube-network-
// policies implements (NetworkPolicy and v1alpha1 admin policies; it has
// no v1alpha2 ClusterNetworkPolicy) through both.
func TestConformanceDifferential(t *testing.T) {
	var totals Result
	cases, named := 0, 0
	for _, c := range conformance.Cases() {
		if len(c.CNPs) > 0 {
			continue
		}
		if usesNamedPort(c.ANPs) || banpNamedPort(c.BANPs) {
			named++ // see TestRandomAdminDifferential
			continue
		}
		cases++
		objs, pols := confObjects(t, c)
		inv := c.Inventory()
		res, err := Compare(inv, objs, pols, Ports(inv, objs))
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		report(t, c.Name, res, &totals)
	}
	if cases < 40 {
		t.Errorf("only %d conformance cases ran", cases)
	}
	t.Logf("conformance: %d cases (%d more with a v1alpha1 namedPort not compared), %d packets, %d disagreements, %d per-address (%d where the cluster allows more), %d of the per-address reading",
		cases, named, totals.Packets, len(totals.Disagreements), len(totals.PerAddress), wider(totals), len(totals.Split))
}

// banpNamedPort reports whether any rule of banps names a port.
func banpNamedPort(banps []v1alpha1.BaselineAdminNetworkPolicy) bool {
	for _, b := range banps {
		for _, r := range b.Spec.Ingress {
			if hasNamed(r.Ports) {
				return true
			}
		}
		for _, r := range b.Spec.Egress {
			if hasNamed(r.Ports) {
				return true
			}
		}
	}
	return false
}
