package proof

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
	. "github.com/netpolc/netpolc/internal/testkit/irfix"
)

// TestPerAddress: the intents let web reach the dual-stack db's IPv6
// address only; a target that also selects db by its labels agrees with
// them per endpoint (the block holds one of db's IPs, so web reaches db
// either way) and on every address range, and is wider per address (web
// reaches db over IPv4), where the second pass catches it naming db's
// IPv4 address.
// The target the intents meant passes both passes; an inventory of
// single-address endpoints needs no second pass.
func TestPerAddress(t *testing.T) {
	inv := inventory.Inventory{Endpoints: []inventory.Endpoint{
		{Namespace: "shop", Name: "web", Labels: App("web"), IPs: []netip.Addr{netip.MustParseAddr("10.0.0.1")}},
		{Namespace: "shop", Name: "db", Labels: App("db"),
			IPs: []netip.Addr{netip.MustParseAddr("10.0.0.2"), netip.MustParseAddr("fd00::2")}},
	}}
	intents := func(peers ...ir.Peer) enforcer.Policies {
		p := &ir.Policy{Isolations: []ir.Isolation{Isolate(Web, ir.Egress, 1)}}
		for i, peer := range peers {
			p.Rules = append(p.Rules, Allow(Web, ir.Egress, peer, 2+i, TCP(5432)))
		}
		pols, err := enforcer.FromIR(p)
		if err != nil {
			t.Fatal(err)
		}
		return pols
	}
	ref, err := NewReference(&ir.Policy{Isolations: []ir.Isolation{Isolate(Web, ir.Egress, 1)},
		Rules: []ir.Rule{Allow(Web, ir.Egress, CIDR("fd00::/64"), 2, TCP(5432))}}, inv)
	if err != nil {
		t.Fatal(err)
	}
	wider := intents(CIDR("fd00::/64"), Workload("shop", "db"))
	if _, err := ref.Prove("t", wider, false); err != nil {
		t.Fatalf("per endpoint the wider target should pass (that is the gap): %v", err)
	}
	per, err := ref.PerAddress()
	if err != nil || per == nil {
		t.Fatalf("PerAddress = %v, %v; want a reference", per, err)
	}
	_, err = per.Prove("t (each address of a pod apart)", wider, true)
	if err == nil || !strings.Contains(err.Error(), "shop/web → shop/db@10.0.0.2") {
		t.Fatalf("per address: %v, want shop/web → shop/db@10.0.0.2 wider", err)
	}
	if _, err := per.Prove("t", intents(CIDR("fd00::/64")), false); err != nil {
		t.Errorf("the meant target per address: %v", err)
	}
	single := inventory.Inventory{Endpoints: inv.Endpoints[:1]}
	ref1, err := NewReference(&ir.Policy{}, single)
	if err != nil {
		t.Fatal(err)
	}
	if per, err := ref1.PerAddress(); per != nil || err != nil {
		t.Errorf("single-address inventory: PerAddress = %v, %v; want nil", per, err)
	}
}
