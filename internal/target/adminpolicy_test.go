package target

import (
	"net/netip"
	"testing"

	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
	fx "github.com/netpolc/netpolc/internal/testkit/irfix"
)

// TestAdminPolicyPodNetworks proves what the adminpolicy target builds
// for CIDR peers overlapping the declared pod networks and for
// host-network pods (issue 10 defects 3 and 4): refused exactly, and
// under --allow-approximate narrower with a warning, never wider, for
// every API version and channel.
func TestAdminPolicyPodNetworks(t *testing.T) {
	tg, ok := lookup("adminpolicy")
	if !ok {
		t.Fatal("no adminpolicy target")
	}
	p := &ir.Policy{PodCIDRs: []string{"10.244.0.0/16"},
		Workloads: []ir.Workload{{Namespace: "shop", Name: "web", Labels: fx.App("web")}, {Namespace: "shop", Name: "api", Labels: fx.App("api")},
			{Namespace: "shop", Name: "db", Labels: fx.App("db")}},
		Isolations: []ir.Isolation{fx.Isolate(fx.Web, ir.Egress, 1)},
		Rules: []ir.Rule{fx.Allow(fx.Web, ir.Egress, fx.CIDR("10.0.0.0/8"), 5, fx.TCP(443)), fx.Allow(fx.Web, ir.Egress, fx.World, 6, fx.TCP(80)),
			fx.Allow(fx.Web, ir.Egress, fx.LocalPods(nil), 7, fx.TCP(5432))}}
	inv := inventory.Inventory{Endpoints: []inventory.Endpoint{
		{Namespace: "shop", Name: "web", Labels: fx.App("web"), IPs: []netip.Addr{netip.MustParseAddr("10.244.0.5")}},
		{Namespace: "shop", Name: "api", Labels: fx.App("api"), IPs: []netip.Addr{netip.MustParseAddr("10.244.0.6")}},
		{Namespace: "shop", Name: "db", Labels: fx.App("db"), HostNetwork: true, IPs: []netip.Addr{netip.MustParseAddr("192.168.1.10")}},
	}}
	for _, s := range settings(t, tg, false) {
		v := variant{"pod networks " + settingsName(s), p, inv}
		if check(t, tg, v, s, false) {
			t.Errorf("%s: built exactly, want it refused", v.name)
		}
		if !check(t, tg, v, s, true) {
			t.Errorf("%s: refused under --allow-approximate, want it narrowed", v.name)
		}
	}
}

func settingsName(s kit.Settings) string {
	name := ""
	for _, k := range []string{"admin-api-version=v1alpha1", "admin-channel=experimental"} {
		if s[k] {
			name += " " + k
		}
	}
	return name
}
