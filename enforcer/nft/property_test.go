package nft_test

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/netpolc/netpolc/emitters/networkpolicy"
	"github.com/netpolc/netpolc/emitters/nftables"
	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/enforcer/nft"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/testkit/randir"
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
		pols, err = enforcer.FromNetworkPolicies(randir.NetworkPolicies(nps))
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
	rs, err := nftables.Build(p, inv)
	if err != nil {
		t.Fatalf("%s: nftables.Build: %v", name, err)
	}
	got, err := nft.Interpret(rs, inv, nft.WithExternalPeers(m.ExternalPeers()...))
	if err != nil {
		t.Fatalf("%s: Interpret: %v\n%s", name, err, rs)
	}
	if d := enforcer.Diff(m.Matrix(), got); !d.Empty() {
		t.Fatalf("%s: nftables differs from the %s model:\n%s\nruleset:\n%s", name, what, formatDelta(d), rs)
	}
	return what
}

// withIPs gives every endpoint without a known IP one (and a third of them
// an IPv6 one too), from ranges the generator's blocks partly cover.
func withIPs(inv inventory.Inventory) inventory.Inventory {
	inv.Endpoints = slices.Clone(inv.Endpoints)
	for i := range inv.Endpoints {
		ep := &inv.Endpoints[i]
		if len(ep.IPs) > 0 {
			continue
		}
		ep.IPs = []netip.Addr{netip.AddrFrom4([4]byte{10, 250, byte(i / 250), byte(1 + i%250)})}
		if i%3 == 0 {
			ep.IPs = append(ep.IPs, netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0xfa, 14: byte(i >> 8), 15: byte(i)}))
		}
	}
	return inv
}

// TestEquivalentRandIR is the equivalence property over randir's random
// intents: the emitted ruleset allows exactly what the emitted
// NetworkPolicies allow (or, when NetworkPolicy cannot take the IR, what
// the IR means).
func TestEquivalentRandIR(t *testing.T) {
	start := time.Now()
	count := map[string]int{}
	for seed := range seeds() {
		p, inv := randir.Generate(seed, 1+int(seed%12))
		count[check(t, fmt.Sprintf("randir seed %d", seed), p, withIPs(inv))]++
	}
	if count["NetworkPolicy"] < int(seeds())/4 {
		t.Errorf("only %d of %d cases compared with NetworkPolicy", count["NetworkPolicy"], seeds())
	}
	t.Logf("%v in %v", count, time.Since(start))
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
