package cilium

import (
	"errors"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
	. "github.com/netpolc/netpolc/internal/testkit/irfix"
)

// hostNetworkAPI is an inventory where shop/api's pods share their
// node's network.
var hostNetworkAPI = inventory.Inventory{Endpoints: []inventory.Endpoint{
	{Namespace: "shop", Name: "api", Kind: "DaemonSet", Labels: App("api"), HostNetwork: true},
	{Namespace: "shop", Name: "web", Kind: "Deployment", Labels: App("web")},
}}

// TestHostNetworkPods is the emitter half of issue 10 defect 3: Cilium
// sees a host-network pod as its node (identity host or remote-node), not
// as an endpoint. A policy whose subject selects it does not isolate it
// (wider: refused, approximation or not); a peer that selects it does
// not match it (narrower: refused, or under --allow-approximate emitted
// with one warning for the rule).
func TestHostNetworkPods(t *testing.T) {
	subject := &ir.Policy{Isolations: []ir.Isolation{Isolate(All, ir.Ingress, 4)}}
	for _, approx := range []bool{false, true} {
		_, _, err := Build(subject, Options{Inventory: hostNetworkAPI, AllowApproximate: approx})
		if !errors.Is(err, errUnsupported) || !strings.Contains(err.Error(), "shop.cue:4:3") ||
			!strings.Contains(err.Error(), "host-network pod shop/api") {
			t.Errorf("subject selecting a host-network pod (approximate %v): error %v, want it refused at line 4", approx, err)
		}
	}
	peer := &ir.Policy{Isolations: []ir.Isolation{Isolate(Web, ir.Ingress, 1)},
		Rules: []ir.Rule{Allow(Web, ir.Ingress, LocalPods(nil), 6, TCP(80)), Allow(Web, ir.Ingress, Workload("shop", "api"), 7, TCP(81))}}
	_, _, err := Build(peer, Options{Inventory: hostNetworkAPI})
	if !errors.Is(err, errUnsupported) || !strings.Contains(err.Error(), "shop.cue:6:3") || !strings.Contains(err.Error(), "shop.cue:7:3") ||
		!strings.Contains(err.Error(), "host-network pod shop/api") {
		t.Errorf("peers selecting a host-network pod: error %v, want both rules refused", err)
	}
	_, warns, err := Build(peer, Options{Inventory: hostNetworkAPI, AllowApproximate: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) != 2 || !strings.Contains(warns[0].Message, "host-network pod shop/api") || warns[0].Origin.Line != 6 || warns[1].Origin.Line != 7 {
		t.Errorf("approximate: warnings %v, want one per rule naming the host-network pod", warns)
	}
	// Without host-network pods: exact.
	if _, _, err := Build(peer, Options{}); err != nil {
		t.Errorf("no host-network pod: %v", err)
	}
}
