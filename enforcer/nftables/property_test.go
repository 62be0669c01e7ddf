package nftables_test

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/enforcer/proof"

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
// NetworkPolicy emitter refuses the IR (protocol-only ports, deny rules),
// per address: over the inventory it returns, where every endpoint whose
// addresses the model's blocks tell apart is split (proof.SplitAddresses),
// since the ruleset decides per packet.
func reference(t testing.TB, p *ir.Policy, inv inventory.Inventory) (*enforcer.Model, string, inventory.Inventory) {
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
	if split, ok := proof.SplitAddresses(m, inv); ok {
		if m, err = enforcer.New(split, pols); err != nil {
			t.Fatal(err)
		}
		inv = split
	}
	return m, what, inv
}

// check builds and interprets the ruleset and compares it with the
// reference at the reference's external peers.
func check(t testing.TB, name string, p *ir.Policy, inv inventory.Inventory) string {
	t.Helper()
	m, what, split := reference(t, p, inv)
	rs, err := emit.Build(p, inv)
	if err != nil {
		t.Fatalf("%s: emit.Build: %v", name, err)
	}
	got, err := nftables.Interpret(rs, split, nftables.WithExternalPeers(m.ExternalPeers()...))
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

// TestUnlistedPodNeverWider: a pod the ruleset was not built for (one
// endpoint left out of the build's inventory, inside the declared pod
// networks) gets nothing the intents do not give it, in a ruleset built
// with approximation; every other pair is exact unless a rule was
// narrowed.
func TestUnlistedPodNeverWider(t *testing.T) {
	built := 0
	for seed := range uint64(seeds() / 2) {
		p, inv := generate(seed, seed%2 == 0)
		p.PodCIDRs = []string{"10.0.0.0/8", "fd00::/16"}
		k := int(seed) % len(inv.Endpoints)
		listed := inv
		listed.Endpoints = slices.Delete(slices.Clone(inv.Endpoints), k, k+1)
		res, err := emit.BuildResult(p, listed, true)
		if errors.Is(err, kit.ErrUnsupported) {
			continue
		}
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		m, _, split := reference(t, p, inv)
		id := inv.Endpoints[k].ID()
		isUnlisted := func(e string) bool { return proof.PieceOf(e, id) }
		got, err := nftables.Interpret(res.Ruleset, split, nftables.WithExternalPeers(m.ExternalPeers()...), nftables.WithUnlisted(proof.Pieces(split, id)...))
		if err != nil {
			t.Fatalf("seed %d: Interpret: %v\n%s", seed, err, res.Ruleset)
		}
		d := enforcer.Diff(m.Matrix(), got)
		if d.Wider() {
			t.Fatalf("seed %d, %s unlisted: wider than the intents:\n%s\n%s", seed, id, formatDelta(d), res.Ruleset)
		}
		for _, c := range append(d.Closed, d.Changed...) {
			if !isUnlisted(c.Src) && !isUnlisted(c.Dst) && len(res.Narrowed) == 0 {
				t.Fatalf("seed %d: %s -> %s changed without a warning:\n%s", seed, c.Src, c.Dst, formatDelta(d))
			}
		}
		built++
	}
	if built < int(seeds())/8 {
		t.Errorf("only %d cases built", built)
	}
}
