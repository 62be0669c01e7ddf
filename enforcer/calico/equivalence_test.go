package calico

import (
	"fmt"
	"os"
	"strconv"
	"testing"

	emit "github.com/netpolc/netpolc/emitters/calico"
	"github.com/netpolc/netpolc/emitters/networkpolicy"
	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/testkit/randir"
)

// seeds is the number of random policies the property tests check:
// NETPOLC_FUZZ_SEEDS overrides it (make fuzz), -short lowers it.
func seeds(t *testing.T) int64 {
	if s := os.Getenv("NETPOLC_FUZZ_SEEDS"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatalf("NETPOLC_FUZZ_SEEDS=%q: %v", s, err)
		}
		return n
	}
	if testing.Short() {
		return 60
	}
	return 300
}

// reference is the NetworkPolicy target's meaning of p: the emitted
// NetworkPolicies where that target builds, else the IR itself.
func reference(t *testing.T, p *ir.Policy) enforcer.Policies {
	t.Helper()
	if nps, err := networkpolicy.Build(p); err == nil {
		pols, err := enforcer.FromNetworkPolicies(randir.NetworkPolicies(nps))
		if err != nil {
			t.Fatal(err)
		}
		return pols
	}
	pols, err := enforcer.FromIR(p)
	if err != nil {
		t.Fatal(err)
	}
	return pols
}

// TestEquivalence checks, for random intents and inventories, that the
// interpreted Calico policies allow exactly what the NetworkPolicies allow.
// Calico expresses every random policy exactly.
func TestEquivalence(t *testing.T) {
	for seed := range seeds(t) {
		p, inv := randir.Generate(seed, 1+int(seed%10))
		checkEquivalent(t, fmt.Sprintf("seed %d", seed), p, inv)
	}
}

// TestExamplesEquivalence checks every example over its own workloads.
func TestExamplesEquivalence(t *testing.T) {
	ex, err := randir.Examples()
	if err != nil {
		t.Fatal(err)
	}
	for name, p := range ex {
		checkEquivalent(t, name, p, enforcer.InventoryFromIR(p))
	}
}

func checkEquivalent(t *testing.T, name string, p *ir.Policy, inv inventory.Inventory) {
	t.Helper()
	objs, warns, err := emit.Build(p, emit.Options{})
	if err != nil || len(warns) > 0 {
		t.Fatalf("%s: Build: %v %v", name, err, warns)
	}
	got, err := Interpret(objs)
	if err != nil {
		t.Fatalf("%s: Interpret: %v", name, err)
	}
	d, err := randir.Diff(inv, reference(t, p), got)
	if err != nil {
		t.Fatal(err)
	}
	if d != "" {
		t.Fatalf("%s: Calico differs from NetworkPolicy (- NetworkPolicy only, + Calico only):\n%s", name, d)
	}
}
