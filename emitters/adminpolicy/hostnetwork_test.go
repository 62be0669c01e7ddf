package adminpolicy

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/portset"
	. "github.com/netpolc/netpolc/internal/testkit/irfix"
)

// hostNetworkAPI is an inventory where shop/api's pods share their
// node's network; its node's address is known (ips) or not.
func hostNetworkAPI(ips ...string) inventory.Inventory {
	api := inventory.Endpoint{Namespace: "shop", Name: "api", Kind: "DaemonSet", Labels: App("api"), HostNetwork: true,
		Ports: []ir.NamedPort{{Name: "http", Port: 8080, Protocol: portset.TCP}}}
	for _, ip := range ips {
		api.IPs = append(api.IPs, netip.MustParseAddr(ip))
	}
	return inventory.Inventory{Endpoints: []inventory.Endpoint{api,
		{Namespace: "shop", Name: "web", Kind: "Deployment", Labels: App("web"), IPs: []netip.Addr{netip.MustParseAddr("10.244.0.5")}}}}
}

// TestHostNetworkPods is the emitter half of issue 10 defect 3 for the
// admin API, which excludes host-networked pods from subjects and from
// namespaces and pods peers (network-policy-api apis/v1alpha2
// clusternetworkpolicy_types.go: "host-networked pods are not included").
// A subject selecting one leaves it unisolated (wider: refused,
// approximation or not); a peer selecting one does not match it
// (narrower: refused, or one warning per rule under --allow-approximate);
// a networks peer matches it by its node's address, so with that address
// unknown a CIDR rule may allow it where the intents do not (refused).
func TestHostNetworkPods(t *testing.T) {
	subject := &ir.Policy{Isolations: []ir.Isolation{Isolate(All, ir.Egress, 4)}}
	for _, approx := range []bool{false, true} {
		_, _, err := Build(subject, Options{Inventory: hostNetworkAPI("192.168.1.10"), AllowApproximate: approx})
		if !errors.Is(err, errUnsupported) || !strings.Contains(err.Error(), "shop.cue:4:3") ||
			!strings.Contains(err.Error(), "host-network pod shop/api") {
			t.Errorf("subject selecting a host-network pod (approximate %v): error %v, want it refused at line 4", approx, err)
		}
	}
	peer := &ir.Policy{Isolations: []ir.Isolation{Isolate(Web, ir.Egress, 1)},
		Rules: []ir.Rule{Allow(Web, ir.Egress, LocalPods(nil), 6, TCP(80)), Allow(Web, ir.Egress, Workload("shop", "api"), 7, TCP(81)),
			Allow(Web, ir.Egress, Everyone, 8, ir.Port{Protocol: portset.TCP, Name: "http"})}}
	_, _, err := Build(peer, Options{Inventory: hostNetworkAPI("192.168.1.10")})
	for _, line := range []string{"shop.cue:6:3", "shop.cue:7:3", "shop.cue:8:3"} {
		if !errors.Is(err, errUnsupported) || !strings.Contains(err.Error(), line) {
			t.Errorf("peers selecting a host-network pod: error %v, want the rule at %s refused", err, line)
		}
	}
	_, warns, err := Build(peer, Options{Inventory: hostNetworkAPI("192.168.1.10"), AllowApproximate: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) != 3 || !strings.Contains(warns[0].Message, "host-network pod shop/api") || warns[0].Origin.Line != 6 || warns[2].Origin.Line != 8 {
		t.Errorf("approximate: warnings %v, want one per rule naming the host-network pod", warns)
	}
	// A CIDR rule with the node's address unknown: refused either way.
	cidr := &ir.Policy{Isolations: []ir.Isolation{Isolate(Web, ir.Egress, 1)}, Rules: []ir.Rule{Allow(Web, ir.Egress, CIDR("192.168.0.0/16"), 9, TCP(443))}}
	for _, approx := range []bool{false, true} {
		_, _, err := Build(cidr, Options{Inventory: hostNetworkAPI(), AllowApproximate: approx})
		if !errors.Is(err, errUnsupported) || !strings.Contains(err.Error(), "shop.cue:9:3") || !strings.Contains(err.Error(), "node's address") {
			t.Errorf("CIDR rule, host-network pod without IPs (approximate %v): error %v, want it refused at line 9", approx, err)
		}
	}
	// Known: the networks peer matches it as the intents' ipBlock does.
	if _, _, err := Build(cidr, Options{Inventory: hostNetworkAPI("192.168.1.10")}); err != nil {
		t.Errorf("CIDR rule, host-network pod with its IP: %v", err)
	}
	// Without host-network pods: exact.
	if _, _, err := Build(peer, Options{}); err != nil {
		t.Errorf("no host-network pod: %v", err)
	}
}
