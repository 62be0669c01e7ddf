package proof

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
	. "github.com/netpolc/netpolc/internal/testkit/irfix"
)

// TestProofConnectionsAreBounded: a proof compares class tables, so
// intents that leave many endpoints open to each other are proven
// whatever their pairs; what lists pairs (the reference's matrix, a
// delta) fails past proof-connections with the count and the override,
// instead of taking the machine's memory, and is listed within it.
func TestProofConnectionsAreBounded(t *testing.T) {
	var inv inventory.Inventory
	for i := range 20 {
		inv.Endpoints = append(inv.Endpoints, inventory.Endpoint{Namespace: "shop", Name: fmt.Sprintf("w%02d", i),
			Labels: App(fmt.Sprintf("w%02d", i)), IPs: []netip.Addr{netip.AddrFrom4([4]byte{10, 0, 0, byte(i + 1)})}})
	}
	isolated, err := enforcer.FromIR(&ir.Policy{Isolations: []ir.Isolation{Isolate(ir.Subject{Namespace: "shop", Name: "all-pods"}, ir.Ingress, 1)}})
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("NETPOLC_LIMITS", "proof-connections=100")
	ref, err := NewReference(&ir.Policy{}, inv) // 380 open pairs, and the world (two families) to each: 420
	if err != nil {
		t.Fatalf("20 open endpoints: %v", err)
	}
	if d, err := ref.Prove("same", ref.Policies, false); err != nil || !d.Empty() {
		t.Errorf("the intents' own policies, 380 pairs under a bound of 100: %v, %+v", err, d)
	}
	if _, err := ref.Matrix(); err == nil || !strings.Contains(err.Error(), "more than a proof compares one by one (100)") ||
		!strings.Contains(err.Error(), "NETPOLC_LIMITS=proof-connections=") {
		t.Errorf("listing 380 pairs under a bound of 100: %v, want the count and the override", err)
	}
	_, err = ref.Prove("closed", isolated, true)
	if err == nil || errors.Is(err, ErrNotEquivalent) || !strings.Contains(err.Error(), "fewer than the intents on 420 flows, more than a proof lists (100)") {
		t.Errorf("a target closing 420 pairs under a bound of 100: %v, want the bound's error", err)
	}
	t.Setenv("NETPOLC_LIMITS", "proof-connections=1000")
	if _, err := ref.Prove("closed", isolated, false); !errors.Is(err, ErrNotEquivalent) || !strings.Contains(err.Error(), "differs on 420 flow(s)") {
		t.Errorf("a target closing 420 pairs within the bound: %v, want the flows", err)
	}
	if d, err := ref.Prove("closed", isolated, true); err != nil || len(d.Closed) != 420 {
		t.Errorf("a narrower target, allowed: %v, %d closed", err, len(d.Closed))
	}
	ref, err = NewReference(&ir.Policy{}, inv)
	if err != nil {
		t.Fatal(err)
	}
	c, err := ref.Matrix()
	if err != nil {
		t.Fatalf("within the bound: %v", err)
	}
	if n := len(c.Connections); n <= 380 || n > 1000 {
		t.Errorf("%d connections, want the 380 pairs and the world's, within the bound", n)
	}
}

// TestProofSeesTheIPv6World: intents naming only IPv4 (0.0.0.0/0) and a
// target letting every source in differ on the IPv6 world, which the
// proof evaluates whether or not a block names IPv6; the target the
// intents meant passes.
func TestProofSeesTheIPv6World(t *testing.T) {
	web := ir.Subject{Namespace: "shop", Name: "web", Pods: *Sel(App("web"))}
	inv := inventory.Inventory{Endpoints: []inventory.Endpoint{
		{Namespace: "shop", Name: "web", Labels: App("web"), IPs: []netip.Addr{netip.MustParseAddr("10.0.0.1")}},
	}}
	intents := func(p ir.Peer) *ir.Policy {
		return &ir.Policy{Isolations: []ir.Isolation{Isolate(web, ir.Ingress, 1)}, Rules: []ir.Rule{Allow(web, ir.Ingress, p, 2, TCP(443))}}
	}
	ref, err := NewReference(intents(CIDR("0.0.0.0/0")), inv)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		peer ir.Peer
		ok   bool
	}{{"every source", ir.Peer{Kind: ir.PeerAll}, false}, {"the world", ir.Peer{Kind: ir.PeerWorld}, false}, {"0.0.0.0/0", CIDR("0.0.0.0/0"), true}} {
		got, err := enforcer.FromIR(intents(tc.peer))
		if err != nil {
			t.Fatal(err)
		}
		_, err = ref.Prove("t", got, false)
		if tc.ok && err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
		if !tc.ok && (!errors.Is(err, ErrNotEquivalent) || !strings.Contains(err.Error(), "ip:::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff → shop/web")) {
			t.Errorf("%s: %v, want the IPv6 world reaching shop/web wider", tc.name, err)
		}
	}
}
