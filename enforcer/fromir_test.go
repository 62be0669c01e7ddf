package enforcer

import (
	"testing"

	"github.com/netpolc/netpolc/internal/diag"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/network-policy-api/apis/v1alpha2"

	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/portset"
	"github.com/netpolc/netpolc/internal/testkit/conformance"
)

// TestFromIRMatchesObjects checks FromIR against hand-written objects with
// the same meaning: the two matrices must be identical.
func TestFromIRMatchesObjects(t *testing.T) {
	subjA := ir.Subject{Namespace: "x", Pods: *conformance.Sel("pod", "a"), Name: "a"}
	subjY := ir.Subject{Namespace: "y", Name: "all-pods"}
	origin := ir.Origin{Pos: diag.Pos{File: "intents/x.cue", Line: 7, Col: 3}}
	p := &ir.Policy{
		Isolations: []ir.Isolation{
			{Subject: subjA, Direction: ir.Ingress}, {Subject: subjA, Direction: ir.Egress},
			{Subject: subjY, Direction: ir.Ingress},
		},
		Rules: []ir.Rule{
			{Subject: subjA, Direction: ir.Ingress, Origin: origin,
				Peer:  ir.Peer{Kind: ir.PeerWorkload, Pods: conformance.Sel("pod", "b"), Ref: "x/b"},
				Ports: []ir.Port{{Protocol: portset.TCP, Number: 80}}},
			{Subject: subjA, Direction: ir.Ingress,
				Peer:  ir.Peer{Kind: ir.PeerPods, Namespaces: conformance.Sel(), Pods: conformance.Sel("pod", "c")},
				Ports: []ir.Port{{Protocol: portset.TCP, Name: "serve-81-tcp"}}},
			{Subject: subjA, Direction: ir.Egress,
				Peer:  ir.Peer{Kind: ir.PeerDNS, Namespaces: conformance.Sel("ns", "z")},
				Ports: []ir.Port{{Protocol: portset.UDP, Number: 53}}},
			{Subject: subjA, Direction: ir.Egress,
				Peer:  ir.Peer{Kind: ir.PeerCIDR, CIDRs: []ir.IPBlock{{CIDR: "10.2.0.0/16", Except: []string{"10.2.0.1/32"}}}},
				Ports: []ir.Port{{Protocol: portset.TCP, Number: 8000, End: 8100}}},
			{Subject: subjA, Direction: ir.Egress, Peer: ir.Peer{Kind: ir.PeerWorld},
				Ports: []ir.Port{{Protocol: portset.TCP, Number: 443}}},
			{Subject: subjY, Direction: ir.Ingress, Peer: ir.Peer{Kind: ir.PeerAll},
				Ports: []ir.Port{{Protocol: portset.SCTP}}},
			{Subject: ir.Subject{Namespace: "z", Pods: *conformance.Sel("pod", "c"), Name: "c"}, Direction: ir.Ingress,
				Action: ir.Deny, Peer: ir.Peer{Kind: ir.PeerPods, Namespaces: conformance.Sel("ns", "x")}},
		},
	}
	fromIR, err := FromIR(p)
	if err != nil {
		t.Fatal(err)
	}
	mIR, err := New(conformance.Inventory(), fromIR)
	if err != nil {
		t.Fatal(err)
	}
	mObj := confModel(t, fromIRObjects())
	if d := Diff(mObj.Matrix(), mIR.Matrix()); !d.Empty() {
		t.Errorf("IR and objects differ: %+v", d)
	}
	v, _ := mIR.Verdict("x/b", "x/a", portset.TCP, 80)
	if !v.Allowed || len(v.Ingress.Allowing) != 1 || v.Ingress.Allowing[0].Origin != "intents/x.cue:7:3" {
		t.Errorf("verdict = %+v", v.Ingress)
	}
}

// fromIRObjects are the API objects TestFromIRMatchesObjects's IR means.
func fromIRObjects() conformance.Case {
	return conformance.Case{
		NPs: []networkingv1.NetworkPolicy{
			conformance.Netpol("x", "a-in", conformance.Selecting(conformance.Sel("pod", "a")),
				conformance.Ingress(conformance.From(conformance.Peers(conformance.PodPeer(conformance.Sel("pod", "b"))), conformance.Port(conformance.TCP, 80)),
					conformance.From(conformance.Peers(conformance.NsPodPeer(conformance.Sel(), conformance.Sel("pod", "c"))), conformance.Named(conformance.TCP, "serve-81-tcp")))),
			conformance.Netpol("x", "a-out", conformance.Selecting(conformance.Sel("pod", "a")), conformance.Types(conformance.TEgress),
				conformance.Egress(conformance.To(conformance.Peers(conformance.NsPeer(conformance.Sel("ns", "z"))), conformance.Port(conformance.UDP, 53)),
					conformance.To(conformance.Peers(conformance.IpPeer("10.2.0.0/16", "10.2.0.1/32")), conformance.PortRange(conformance.TCP, 8000, 8100)),
					conformance.To(conformance.Peers(conformance.IpPeer("0.0.0.0/0"), conformance.IpPeer("::/0")), conformance.Port(conformance.TCP, 443)))),
			conformance.Netpol("y", "sctp", conformance.Ingress(conformance.From(conformance.Anyone, conformance.ProtoOnly(conformance.SCTP)))),
		},
		CNPs: []v1alpha2.ClusterNetworkPolicy{conformance.Cnp("z-c", conformance.Admin, 0, conformance.CnpSubjectPods(conformance.Sel("kubernetes.io/metadata.name", "z"), conformance.Sel("pod", "c")),
			conformance.CnpIn(conformance.Deny, conformance.CnpFromNS(conformance.Sel("ns", "x"))))},
	}
}

func TestFromIRRuleWithoutIsolationIsOpen(t *testing.T) {
	p := &ir.Policy{Rules: []ir.Rule{{Subject: ir.Subject{Namespace: "x", Pods: metav1.LabelSelector{}},
		Direction: ir.Ingress, Peer: ir.Peer{Kind: ir.PeerPods, Pods: conformance.Sel("pod", "b")}}}}
	pols, err := FromIR(p)
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(conformance.Inventory(), pols)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := m.Verdict("y/a", "x/a", portset.TCP, 80); !v.Allowed {
		t.Errorf("rule without isolation closed x/a: %+v", v.Ingress)
	}
}

func TestInventoryFromIR(t *testing.T) {
	inv := InventoryFromIR(&ir.Policy{
		Namespaces: []ir.Namespace{{Name: "shop", Labels: map[string]string{"kubernetes.io/metadata.name": "shop"}}},
		Workloads: []ir.Workload{
			{Namespace: "shop", Name: "web", Kind: "Deployment", IPs: []string{"10.0.0.1", "bogus"}},
			{Namespace: "shop", Name: "app", Kind: "Deployment"},
		},
	})
	if len(inv.Endpoints) != 2 || inv.Endpoints[0].Name != "app" || len(inv.Endpoints[1].IPs) != 1 {
		t.Errorf("inventory = %+v", inv)
	}
}
