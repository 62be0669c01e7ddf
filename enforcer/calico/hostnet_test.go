package calico

import (
	"strings"
	"testing"

	emit "github.com/netpolc/netpolc/emitters/calico"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
	fx "github.com/netpolc/netpolc/internal/testkit/irfix"
)

// withHostNetwork is inv with the named pods on their node's network.
func withHostNetwork(names ...string) inventory.Inventory {
	out := inv
	out.Endpoints = append([]inventory.Endpoint(nil), inv.Endpoints...)
	for i, ep := range out.Endpoints {
		for _, n := range names {
			if ep.Name == n {
				out.Endpoints[i].HostNetwork = true
			}
		}
	}
	return out
}

// TestHostNetworkSubjectFailsTheProof (issue 10, defect 3): Calico makes
// no workload endpoint of a host-network pod, so a policy selecting it
// does not isolate it. Calico objects that would isolate it as a pod are
// wider than the intents; the proof fails, naming the isolating intent
// line and the endpoint kind.
func TestHostNetworkSubjectFailsTheProof(t *testing.T) {
	p := &ir.Policy{Isolations: []ir.Isolation{fx.Isolate(fx.Web, ir.Ingress, 1)},
		Rules: []ir.Rule{fx.Allow(fx.Web, ir.Ingress, fx.LocalPods(fx.App("db")), 2, fx.TCP(80))}}
	objs, _, err := emit.Build(p, emit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = prove(t, p, withHostNetwork("web"), objs, true)
	if err == nil {
		t.Fatal("a policy on a host-network pod was proven: Calico does not isolate it")
	}
	for _, want := range []string{"wider", "shop/web is a host-network pod", "intents/shop.cue:1:"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error lacks %q: %v", want, err)
		}
	}
}

// TestHostNetworkPodReachesEveryPod: felix does not police a node's
// traffic to its own pods, so a host-network pod (the node) reaches an
// ingress-isolated pod on every port where the intents allow it one port:
// wider, the proof fails naming the flow, the intent lines and the kind;
// intents that admit it on every port are proven.
func TestHostNetworkPodReachesEveryPod(t *testing.T) {
	p := &ir.Policy{Isolations: []ir.Isolation{fx.Isolate(fx.Web, ir.Ingress, 1)},
		Rules: []ir.Rule{fx.Allow(fx.Web, ir.Ingress, fx.LocalPods(fx.App("db")), 2, fx.TCP(80))}}
	objs, _, err := emit.Build(p, emit.Options{AllowApproximate: true})
	if err != nil {
		t.Fatal(err)
	}
	err = prove(t, p, withHostNetwork("db"), objs, true)
	for _, want := range []string{"shop/db → shop/web: intents allow TCP/80, calico allows all", "shop/db is a host-network pod", "intents/shop.cue:1:3"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("proof gave %v, want %q", err, want)
		}
	}
	p.Rules[0] = fx.Allow(fx.Web, ir.Ingress, fx.LocalPods(fx.App("db")), 2)
	if objs, _, err = emit.Build(p, emit.Options{AllowApproximate: true}); err != nil {
		t.Fatal(err)
	}
	if err := prove(t, p, withHostNetwork("db"), objs, true); err != nil {
		t.Errorf("intents admitting the host-network pod on every port: %v", err)
	}
}

// TestHostNetworkEgressPeerIsNarrower: a rule's selector does not match a
// host-network pod (it has no workload endpoint labels), so an egress rule
// to it is narrower in Calico: the proof fails without approximation and
// names the pod's kind.
func TestHostNetworkEgressPeerIsNarrower(t *testing.T) {
	p := &ir.Policy{Isolations: []ir.Isolation{fx.Isolate(fx.Web, ir.Egress, 1)},
		Rules: []ir.Rule{fx.Allow(fx.Web, ir.Egress, fx.LocalPods(fx.App("db")), 2, fx.TCP(80))}}
	objs, _, err := emit.Build(p, emit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = prove(t, p, withHostNetwork("db"), objs, false)
	if err == nil || !strings.Contains(err.Error(), "narrower shop/web → shop/db") || !strings.Contains(err.Error(), "shop/db is a host-network pod") {
		t.Fatalf("proof gave %v, want the flow to the host-network pod narrower", err)
	}
}

// TestUnknownPodIPsInsidePodCIDRs (issue 10, defect 4): with pod CIDRs
// declared, a pod whose IP is unknown may sit inside a net; Calico's nets
// match pod addresses, so an egress net covering the pod network lets
// the subject reach it where the intents (which cannot know its address)
// do not. The proof fails, naming the isolating line and the case, with and
// without approximation; without pod CIDRs nothing bounds those
// addresses and the proof holds.
func TestUnknownPodIPsInsidePodCIDRs(t *testing.T) {
	p := &ir.Policy{PodCIDRs: []string{"10.0.0.0/16"}, Isolations: []ir.Isolation{fx.Isolate(fx.Web, ir.Egress, 1)},
		Rules: []ir.Rule{fx.Allow(fx.Web, ir.Egress, fx.CIDR("10.0.0.0/8"), 2, fx.TCP(443))}}
	objs, _, err := emit.Build(p, emit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, approx := range []bool{false, true} {
		err := prove(t, p, inv, objs, approx)
		if err == nil {
			t.Fatalf("approx %v: a net over the pod CIDRs was proven though it reaches pods of unknown address", approx)
		}
		for _, want := range []string{"pods with unknown IPs inside the pod CIDRs", "wider shop/web → other/client", "intents/shop.cue:1:"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("approx %v: the error lacks %q: %v", approx, want, err)
			}
		}
	}
	p.PodCIDRs = nil
	if err := prove(t, p, inv, objs, false); err != nil {
		t.Errorf("without pod CIDRs: %v", err)
	}
	// Outside the pod CIDRs, or with every pod's IP known, nothing moves.
	outside := &ir.Policy{PodCIDRs: []string{"10.0.0.0/16"}, Isolations: p.Isolations,
		Rules: []ir.Rule{fx.Allow(fx.Web, ir.Egress, fx.CIDR("192.168.0.0/16"), 2, fx.TCP(443))}}
	if objs, _, err = emit.Build(outside, emit.Options{}); err != nil {
		t.Fatal(err)
	}
	if err := prove(t, outside, inv, objs, false); err != nil {
		t.Errorf("a net outside the pod CIDRs: %v", err)
	}
}
