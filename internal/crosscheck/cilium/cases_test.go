package cilium

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"sort"
	"testing"

	"github.com/netpolc/netpolc/compiler"
	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/intent"
	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/importer"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/manifests"
	"github.com/netpolc/netpolc/internal/testkit/conformance"
	"github.com/netpolc/netpolc/internal/testkit/randir"
)

// testCase is an input the emitter is run on.
type testCase struct {
	name string
	p    *ir.Policy
	inv  inventory.Inventory
}

// upstreamOn skips the test unless NETPOLC_UPSTREAM is set (make
// crosscheck sets it): a plain go test in this module stays quick.
func upstreamOn(t *testing.T) {
	t.Helper()
	if os.Getenv("NETPOLC_UPSTREAM") == "" {
		t.Skip("set NETPOLC_UPSTREAM=1 (make crosscheck) to run the comparison with Cilium's code")
	}
}

// cases are random intents in three shapes, every example, every
// hand-written case and every NetworkPolicy conformance case (imported
// into intents), sorted by name.
func cases(t *testing.T) []testCase {
	t.Helper()
	var out []testCase
	for seed := range randir.Seeds(t) {
		p, inv := randir.Generate(seed, 1+int(seed%12))
		out = append(out,
			testCase{fmt.Sprintf("seed %d", seed), p, inv},
			testCase{fmt.Sprintf("seed %d egress-only", seed), randir.EgressOnly(p), inv},
			testCase{fmt.Sprintf("seed %d with IPs", seed), p, randir.WithIPs(inv)},
			testCase{fmt.Sprintf("seed %d host-network", seed), p, withHostNetwork(inv)},
			testCase{fmt.Sprintf("seed %d platform over egress-only", seed), randir.WithCluster(randir.EgressOnly(p), seed), inv})
	}
	ex, err := randir.Examples()
	if err != nil {
		t.Fatal(err)
	}
	maps.Copy(ex, randir.Cases())
	platform, err := randir.PlatformExamples()
	if err != nil {
		t.Fatal(err)
	}
	maps.Copy(ex, platform)
	for name, p := range ex {
		out = append(out, testCase{name, p, enforcer.InventoryFromIR(p)})
	}
	out = append(out, conformanceCases(t)...)
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// withHostNetwork is inv with every third pod on the host network.
func withHostNetwork(inv inventory.Inventory) inventory.Inventory {
	out := inv
	out.Endpoints = slices.Clone(inv.Endpoints)
	for i := range out.Endpoints {
		out.Endpoints[i].HostNetwork = i%3 == 1
	}
	return out
}

// conformanceCases are the NetworkPolicy conformance cases as intents:
// imported (internal/importer, which proves its output) and compiled,
// over the case's cluster.
func conformanceCases(t *testing.T) []testCase {
	t.Helper()
	var out []testCase
	for _, c := range conformance.Cases() {
		if !c.NetworkPolicyOnly() {
			continue
		}
		inv := c.Inventory()
		set := &manifests.Set{Inventory: inv}
		for i, np := range c.NPs {
			set.NetworkPolicies = append(set.NetworkPolicies, manifests.NetworkPolicy{NetworkPolicy: np, Source: diag.Pos{File: c.Name, Line: i + 1}})
		}
		res, err := importer.Import(set, "imported")
		if err != nil {
			t.Fatalf("conformance %s: import: %v", c.Name, err)
		}
		is, err := intent.LoadFiles("conformance", map[string][]byte{"intents.cue": res.Source})
		if err != nil {
			t.Fatalf("conformance %s: load: %v", c.Name, err)
		}
		cr, err := compiler.Compile(is)
		if err != nil {
			t.Fatalf("conformance %s: compile: %v", c.Name, err)
		}
		out = append(out, testCase{"conformance " + c.Name, cr.Policy, inv})
	}
	if len(out) < 50 {
		t.Fatalf("only %d conformance cases", len(out))
	}
	return out
}
