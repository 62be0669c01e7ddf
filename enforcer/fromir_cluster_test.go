package enforcer

import (
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	"sigs.k8s.io/network-policy-api/apis/v1alpha2"

	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/portset"
	"github.com/netpolc/netpolc/internal/testkit/conformance"
)

// clusterIR is a platform layer over the conformance namespaces: an admin
// deny x → y, an admin Pass of z's ingress before a deny of every other
// pod on TCP/80, a baseline deny of all egress, and a team isolation of y
// allowing egress to x (which the baseline then does not decide).
func clusterIR() *ir.Policy {
	at := func(line int) ir.Origin { return ir.Origin{Pos: diag.Pos{File: "intents/p.cue", Line: line, Col: 2}} }
	subjY := ir.Subject{Namespace: "y", Name: "all-pods"}
	return &ir.Policy{
		Isolations: []ir.Isolation{{Subject: subjY, Direction: ir.Egress}},
		Rules: []ir.Rule{{Subject: subjY, Direction: ir.Egress, Action: ir.Allow,
			Peer: ir.Peer{Kind: ir.PeerPods, Namespaces: conformance.Sel("ns", "x")}}},
		Cluster: []ir.ClusterPolicy{
			{Tier: ir.TierAdmin, Priority: 10, Name: "x-not-y", Origin: at(1),
				Subject: ir.ClusterSubject{Namespaces: *conformance.Sel("ns", "x")},
				Rules: []ir.ClusterRule{{Direction: ir.Egress, Action: ir.Deny, Origin: at(2),
					Peer: ir.Peer{Kind: ir.PeerPods, Namespaces: conformance.Sel("ns", "y")}}}},
			{Tier: ir.TierAdmin, Priority: 20, Name: "web", Origin: at(3),
				Rules: []ir.ClusterRule{
					{Direction: ir.Ingress, Action: ir.Pass, Origin: at(4), Peer: ir.Peer{Kind: ir.PeerPods, Namespaces: conformance.Sel("ns", "z")}},
					{Direction: ir.Ingress, Action: ir.Deny, Origin: at(5), Peer: ir.Peer{Kind: ir.PeerPods, Namespaces: conformance.Sel()},
						Ports: []ir.Port{{Protocol: portset.TCP, Number: 80}}},
				}},
			{Tier: ir.TierBaseline, Priority: 1000, Name: "deny", Origin: at(6),
				Rules: []ir.ClusterRule{
					{Direction: ir.Egress, Action: ir.Deny, Origin: at(7), Peer: ir.Peer{Kind: ir.PeerPods, Namespaces: conformance.Sel()}},
					{Direction: ir.Egress, Action: ir.Deny, Origin: at(7), Peer: ir.Peer{Kind: ir.PeerWorld}},
				}},
		},
	}
}

// TestFromIRClusterMatchesObjects: the platform layer read from the IR
// has the matrix of the ClusterNetworkPolicies that say the same.
func TestFromIRClusterMatchesObjects(t *testing.T) {
	pols, err := FromIR(clusterIR())
	if err != nil {
		t.Fatal(err)
	}
	mIR, err := New(conformance.Inventory(), pols)
	if err != nil {
		t.Fatal(err)
	}
	c := conformance.Case{
		NPs: []networkingv1.NetworkPolicy{conformance.Netpol("y", "out", conformance.Types(conformance.TEgress),
			conformance.Egress(conformance.To(conformance.Peers(conformance.NsPeer(conformance.Sel("ns", "x"))))))},
		CNPs: []v1alpha2.ClusterNetworkPolicy{
			conformance.Cnp("x-not-y", conformance.Admin, 10, conformance.CnpSubjectNS(conformance.Sel("ns", "x")),
				conformance.CnpOut(conformance.Deny, conformance.CnpToNS(conformance.Sel("ns", "y")))),
			conformance.Cnp("web", conformance.Admin, 20, conformance.CnpSubjectNS(conformance.Sel()),
				conformance.CnpIn(conformance.Pass, conformance.CnpFromNS(conformance.Sel("ns", "z"))),
				conformance.CnpIn(conformance.Deny, conformance.CnpFromNS(conformance.Sel()), conformance.CnpTCP(80))),
			conformance.Cnp("deny", conformance.Base, 1000, conformance.CnpSubjectNS(conformance.Sel()),
				conformance.CnpOut(conformance.Deny, conformance.CnpToNS(conformance.Sel())),
				conformance.CnpOut(conformance.Deny, conformance.CnpToNets("0.0.0.0/0", "::/0"))),
		},
	}
	if d := Diff(confModel(t, c).Matrix(), mIR.Matrix()); !d.Empty() {
		t.Errorf("IR and objects differ: %+v", d)
	}
}

// TestFromIRClusterExplains: a verdict names the tier and the platform
// rule that decided it.
func TestFromIRClusterExplains(t *testing.T) {
	pols, err := FromIR(clusterIR())
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(conformance.Inventory(), pols)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		src, dst string
		allowed  bool
		layer    Layer
		decider  string // the origin of the deciding rule of the direction checked
		egress   bool
	}{
		{"x/a", "y/b", false, LayerAdmin, "intents/p.cue:2:2", true},    // admin deny
		{"y/a", "x/b", true, LayerNetworkPolicy, "", true},              // team isolation decides, not baseline
		{"z/a", "x/b", false, LayerBaseline, "intents/p.cue:7:2", true}, // baseline deny
		{"y/a", "x/b", false, LayerAdmin, "intents/p.cue:5:2", false},   // admin deny on TCP/80 at x/b
		{"z/a", "z/b", false, LayerBaseline, "intents/p.cue:7:2", true}, // passed at ingress, baseline denies egress
	} {
		v, err := m.Verdict(tc.src, tc.dst, portset.TCP, 80)
		if err != nil {
			t.Fatal(err)
		}
		d := v.Ingress
		if tc.egress {
			d = v.Egress
		}
		if d.Allowed != tc.allowed || d.Layer != tc.layer {
			t.Errorf("%s → %s: allowed %v by %s, want %v by %s", tc.src, tc.dst, d.Allowed, d.Layer, tc.allowed, tc.layer)
		}
		if tc.decider == "" {
			continue
		}
		if len(d.Denying) == 0 || d.Denying[0].Origin != tc.decider || d.Denying[0].Policy.Kind != KindPlatformIntent {
			t.Errorf("%s → %s: denied by %+v, want the platform rule at %s", tc.src, tc.dst, d.Denying, tc.decider)
		}
	}
	v, _ := m.Verdict("z/a", "x/b", portset.TCP, 80)
	if v.Ingress.Layer != LayerDefault || len(v.Ingress.Passing) != 1 {
		t.Errorf("z/a → x/b ingress: %+v, want passed by the admin rule and decided by no tier", v.Ingress)
	}
}
