package nftables_test

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/emitters/networkpolicy"
	emit "github.com/netpolc/netpolc/emitters/nftables"
	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/enforcer/nftables"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
)

// seeds is how many random cases each property test runs: hundreds in
// CI, many more with NETPOLC_LONG=1.
func seeds() int64 {
	if os.Getenv("NETPOLC_LONG") == "1" {
		return 10000
	}
	return 300
}

// reference is the model the ruleset must equal: the NetworkPolicy model
// of the emitted NetworkPolicies, or the IR's own model when the
// NetworkPolicy emitter refuses the IR (protocol-only ports, deny rules).
func reference(t testing.TB, p *ir.Policy, inv inventory.Inventory) (*enforcer.Model, string) {
	t.Helper()
	pols, what := enforcer.Policies{}, "NetworkPolicy"
	nps, err := networkpolicy.Build(p)
	if err == nil {
		pols, err = enforcer.FromNetworkPolicies(enforcer.WithoutSource(nps))
	} else if errors.Is(err, networkpolicy.ErrInvalid) || errors.Is(err, networkpolicy.ErrUnsupported) {
		pols, err = enforcer.FromIR(p)
		what = "IR"
	}
	if err != nil {
		t.Fatalf("reference %s: %v", what, err)
	}
	m, err := enforcer.New(inv, pols)
	if err != nil {
		t.Fatal(err)
	}
	return m, what
}

// check builds and interprets the ruleset and compares it with the
// reference at the reference's external peers.
func check(t testing.TB, name string, p *ir.Policy, inv inventory.Inventory) string {
	t.Helper()
	m, what := reference(t, p, inv)
	rs, err := emit.Build(p, inv)
	if err != nil {
		t.Fatalf("%s: emit.Build: %v", name, err)
	}
	got, err := nftables.Interpret(rs, inv, nftables.WithExternalPeers(m.ExternalPeers()...))
	if err != nil {
		t.Fatalf("%s: Interpret: %v\n%s", name, err, rs)
	}
	if d := enforcer.Diff(m.Matrix(), got); !d.Empty() {
		t.Fatalf("%s: nftables differs from the %s model:\n%s\nruleset:\n%s", name, what, formatDelta(d), rs)
	}
	return what
}

// TestEquivalentDualStack uses the local generator: dual-stack and mixed
// inventories, several pods per workload, blocks on pod IPs.
func TestEquivalentDualStack(t *testing.T) {
	for seed := range uint64(seeds()) {
		p, inv := generate(seed, false)
		check(t, fmt.Sprintf("local seed %d", seed), p, inv)
	}
}

// TestEquivalentWithDeny covers deny rules, which NetworkPolicy cannot
// express: the reference is the IR's model (admin-tier denies there).
func TestEquivalentWithDeny(t *testing.T) {
	for seed := range uint64(seeds() / 2) {
		p, inv := generate(seed, true)
		check(t, fmt.Sprintf("deny seed %d", seed), p, inv)
	}
}

func formatDelta(d *enforcer.Delta) string {
	var b strings.Builder
	for _, c := range d.Opened {
		fmt.Fprintf(&b, "  nft opens   %s -> %s: %s\n", c.Src, c.Dst, c.After)
	}
	for _, c := range d.Closed {
		fmt.Fprintf(&b, "  nft closes  %s -> %s: %s\n", c.Src, c.Dst, c.Before)
	}
	for _, c := range d.Changed {
		fmt.Fprintf(&b, "  nft changes %s -> %s: %s => %s\n", c.Src, c.Dst, c.Before, c.After)
	}
	return b.String()
}
