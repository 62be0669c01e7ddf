package nftables_test

import (
	"errors"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/emitters/nftables"
	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/testkit/randir"
)

// platformInventory is the inventory of a platform example, every
// workload given an address in order.
func platformInventory(p *ir.Policy) inventory.Inventory {
	inv := enforcer.IntentsInventory(p)
	for i := range inv.Endpoints {
		if len(inv.Endpoints[i].IPs) == 0 {
			inv.Endpoints[i].IPs = []netip.Addr{netip.AddrFrom4([4]byte{10, 245, byte(i / 250), byte(i%250 + 1)})}
		}
	}
	return inv
}

// TestGoldenPlatformExamples renders every platform example (admin,
// teams' and baseline rules in order in each pod's chains), proves the
// ruleset equal to the model of the intents, tiers included, and keeps it
// in testdata/examples/<example>.nft.
func TestGoldenPlatformExamples(t *testing.T) {
	exs, err := randir.PlatformExamples()
	if err != nil {
		t.Fatal(err)
	}
	if len(exs) == 0 {
		t.Fatal("no platform example")
	}
	for name, p := range exs {
		t.Run(name, func(t *testing.T) {
			checkGolden(t, p, platformInventory(p), filepath.Join("testdata", "examples", name+".nft"))
		})
	}
}

// TestPlatformPassChain: a Pass of the admin tier goes to the pod's
// second chain, the teams' part, so the admin rules after it are skipped.
func TestPlatformPassChain(t *testing.T) {
	exs, err := randir.PlatformExamples()
	if err != nil {
		t.Fatal(err)
	}
	p := exs["platform"]
	rs, err := nftables.Build(p, platformInventory(p))
	if err != nil {
		t.Fatal(err)
	}
	text := rs.String()
	if !strings.Contains(text, "goto egress-teams.") || !strings.Contains(text, "chain egress-teams.") {
		t.Errorf("no Pass to a second chain in:\n%s", text)
	}
}

// TestPlatformRefusals: the platform layer is refused, at each
// cluster-wide intent's line, where the ruleset's analyses do not cover
// it: host-network pods, declared pod networks, deny rules of the IR.
func TestPlatformRefusals(t *testing.T) {
	exs, err := randir.PlatformExamples()
	if err != nil {
		t.Fatal(err)
	}
	base := exs["cluster-allow-dns"]
	for name, tt := range map[string]struct {
		mutate func(*ir.Policy, *inventory.Inventory)
		want   string
	}{
		"host-network pod": {func(_ *ir.Policy, inv *inventory.Inventory) { inv.Endpoints[0].HostNetwork = true }, "host-network pods"},
		"pod networks":     {func(p *ir.Policy, _ *inventory.Inventory) { p.PodCIDRs = []string{"10.245.0.0/16"} }, "cluster.podCIDRs is declared"},
		"deny rule": {func(p *ir.Policy, _ *inventory.Inventory) {
			p.Rules = append(p.Rules, ir.Rule{Subject: subject("shop", "web"), Direction: ir.Egress, Peer: cidr("192.0.2.0/24"), Action: ir.Deny, Origin: at(90)})
			p.Isolations = nil
		}, "deny rules of their own"},
	} {
		q := *base
		inv := platformInventory(&q)
		inv.Endpoints = append([]inventory.Endpoint(nil), inv.Endpoints...)
		tt.mutate(&q, &inv)
		for _, approx := range []bool{false, true} {
			_, err := nftables.BuildResult(&q, inv, approx)
			if !errors.Is(err, nftables.ErrUnsupported) || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), `admin intent "allow-dns" is cluster-wide`) {
				t.Errorf("%s approximate=%v: err = %v, want a refusal at the intent saying %q", name, approx, err, tt.want)
			}
		}
	}
}
