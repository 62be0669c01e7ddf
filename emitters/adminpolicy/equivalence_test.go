package adminpolicy

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"testing"

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

// egressOnly returns p without its ingress isolations and rules, which the
// admin API cannot express.
func egressOnly(p *ir.Policy) *ir.Policy {
	q := *p
	q.Isolations, q.Rules = nil, nil
	for _, iso := range p.Isolations {
		if iso.Direction == ir.Egress {
			q.Isolations = append(q.Isolations, iso)
		}
	}
	for _, r := range p.Rules {
		if r.Direction == ir.Egress {
			q.Rules = append(q.Rules, r)
		}
	}
	return &q
}

// check builds p with opts and compares the interpreted objects with the
// NetworkPolicy target over inv. It returns false when Build refused with
// ErrUnsupported; under AllowApproximate the result may be narrower only.
func check(t *testing.T, name string, p *ir.Policy, inv inventory.Inventory, opts Options) bool {
	t.Helper()
	objs, warns, err := Build(p, opts)
	if err != nil {
		if !errors.Is(err, ErrUnsupported) {
			t.Fatalf("%s: Build: %v", name, err)
		}
		return false
	}
	got, err := Policies(objs)
	if err != nil {
		t.Fatalf("%s: interpret: %v", name, err)
	}
	ref := reference(t, p)
	d, err := randir.Compare(inv, ref, got)
	if err != nil {
		t.Fatal(err)
	}
	if d.Empty() {
		return true
	}
	text, _ := randir.Diff(inv, ref, got)
	switch {
	case !opts.AllowApproximate:
		t.Fatalf("%s: %+v: admin policies differ from NetworkPolicy (- NetworkPolicy only, + admin only):\n%s", name, opts, text)
	case len(warns) == 0:
		t.Fatalf("%s: %+v: differs without a warning:\n%s", name, opts, text)
	case randir.Wider(d):
		t.Fatalf("%s: %+v: approximation is wider than NetworkPolicy:\n%s", name, opts, text)
	}
	return true
}

// TestEquivalence checks random intents and inventories, as generated and
// restricted to egress: the interpreted admin policies allow exactly what
// the NetworkPolicies allow, or Build refused with ErrUnsupported; under
// AllowApproximate, never more.
func TestEquivalence(t *testing.T) {
	for _, opts := range []Options{{}, {V1Alpha1: true}, {AllowApproximate: true}, {V1Alpha1: true, AllowApproximate: true}} {
		exact, refused := 0, 0
		for seed := range seeds(t) {
			p, inv := randir.Generate(seed, 1+int(seed%10))
			check(t, fmt.Sprintf("seed %d", seed), p, inv, opts)
			if check(t, fmt.Sprintf("seed %d egress", seed), egressOnly(p), inv, opts) {
				exact++
			} else {
				refused++
			}
		}
		t.Logf("%+v: egress-only: %d built, %d refused", opts, exact, refused)
		if opts.AllowApproximate && refused > 0 {
			t.Errorf("%+v: %d egress-only policies refused", opts, refused)
		}
		if exact < int(seeds(t))/3 {
			t.Errorf("%+v: only %d of %d egress-only policies built", opts, exact, seeds(t))
		}
	}
}

// TestExamplesEquivalence checks every example, restricted to egress, over
// its own workloads.
func TestExamplesEquivalence(t *testing.T) {
	ex, err := randir.Examples()
	if err != nil {
		t.Fatal(err)
	}
	for name, p := range ex {
		for _, opts := range []Options{{}, {V1Alpha1: true}} {
			p := egressOnly(p)
			if !check(t, name, p, enforcer.InventoryFromIR(p), opts) {
				_, _, err := Build(p, opts)
				t.Errorf("%s: %+v: refused: %v", name, opts, err)
			}
		}
	}
}
