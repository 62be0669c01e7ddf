package proof

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
	. "github.com/netpolc/netpolc/internal/testkit/irfix"
)

// TestProofConnectionsAreBounded: a proof holds every allowed pair of
// both sides, so intents that leave many endpoints open to each other
// fail with the count and the override (proof-connections) before any
// matrix is built, instead of taking the machine's memory; within the
// bound, and once isolated, the same endpoints are proved.
func TestProofConnectionsAreBounded(t *testing.T) {
	var inv inventory.Inventory
	for i := range 20 {
		inv.Endpoints = append(inv.Endpoints, inventory.Endpoint{Namespace: "shop", Name: fmt.Sprintf("w%02d", i),
			Labels: App(fmt.Sprintf("w%02d", i)), IPs: []netip.Addr{netip.AddrFrom4([4]byte{10, 0, 0, byte(i + 1)})}})
	}
	t.Setenv("NETPOLC_LIMITS", "proof-connections=100")
	_, err := NewReference(&ir.Policy{}, inv)
	if err == nil || !strings.Contains(err.Error(), "more than a proof compares (100)") ||
		!strings.Contains(err.Error(), "NETPOLC_LIMITS=proof-connections=") {
		t.Fatalf("20 open endpoints under a bound of 100: %v, want the count and the override", err)
	}
	isolated := &ir.Policy{Isolations: []ir.Isolation{Isolate(ir.Subject{Namespace: "shop", Name: "all-pods"}, ir.Ingress, 1)}}
	if _, err := NewReference(isolated, inv); err != nil {
		t.Errorf("the same endpoints isolated: %v", err)
	}
	t.Setenv("NETPOLC_LIMITS", "proof-connections=1000")
	ref, err := NewReference(&ir.Policy{}, inv)
	if err != nil {
		t.Fatalf("within the bound: %v", err)
	}
	if n := len(ref.Matrix.Connections); n <= 100 || n > 1000 {
		t.Errorf("%d connections, want more than the first bound and within the second", n)
	}
}
