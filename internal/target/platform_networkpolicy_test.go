package target

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/emitters/networkpolicy"
	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/enforcer/proof"
	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/testkit/randir"
)

// npTarget is the networkpolicy target.
func npTarget(t *testing.T) Target {
	t.Helper()
	tg, ok := lookup(networkpolicy.Name)
	if !ok {
		t.Fatal("no networkpolicy target")
	}
	return tg
}

// baselineOnly keeps the baseline intents of p.
func baselineOnly(p *ir.Policy) *ir.Policy {
	q := *p
	q.Cluster = slices.DeleteFunc(slices.Clone(p.Cluster), func(cp ir.ClusterPolicy) bool { return cp.Tier != ir.TierBaseline })
	return &q
}

// denyAll rewrites each baseline intent of p to its Deny rules followed
// by a Deny of everything in each direction it has rules in: the shape
// NetworkPolicy expresses exactly (an isolation per covered namespace).
func denyAll(p *ir.Policy) *ir.Policy {
	q := *baselineOnly(p)
	q.Cluster = slices.Clone(q.Cluster)
	for i := range q.Cluster {
		cp := &q.Cluster[i]
		var rules []ir.ClusterRule
		for _, d := range []ir.Direction{ir.Ingress, ir.Egress} {
			var last ir.Origin
			for _, r := range cp.Rules {
				if r.Direction == d && r.Action == ir.Deny {
					rules = append(rules, r)
				}
				if r.Direction == d {
					last = r.Origin
				}
			}
			if last.Pos.Line > 0 {
				last.Pos.Line += 5000
				rules = append(rules, ir.ClusterRule{Direction: d, Action: ir.Deny, Peer: ir.Peer{Kind: ir.PeerAll}, Origin: last})
			}
		}
		cp.Rules = rules
	}
	return &q
}

// TestPlatformNetworkPolicy is the equivalence property of the
// networkpolicy target over random baseline tiers, alone and over the
// random teams' policies: a baseline of Denies ending with a Deny of
// everything builds, proven, without allow-approximate; a baseline as
// drawn (Allows, Denies of some peers) builds proven or is refused, and
// under allow-approximate builds proven narrower with a warning; a
// platform layer with an admin tier is always refused.
func TestPlatformNetworkPolicy(t *testing.T) {
	tg := npTarget(t)
	seeds := randir.Seeds(t)
	exact, drawn := 0, map[bool]int{}
	for seed := range seeds {
		p, inv := randir.Generate(seed, 1+int(seed%12))
		alone := &ir.Policy{Namespaces: p.Namespaces, Workloads: p.Workloads, DNS: p.DNS}
		for _, v := range []variant{
			{fmt.Sprintf("seed %d platform", seed), randir.WithCluster(alone, seed), inv},
			{fmt.Sprintf("seed %d platform over teams", seed), randir.WithCluster(p, seed), inv},
			{fmt.Sprintf("seed %d platform over teams with IPs", seed), randir.WithCluster(p, seed), randir.WithIPs(inv)},
			{fmt.Sprintf("seed %d platform over teams with a host-network pod", seed), randir.WithCluster(p, seed), withHostNetwork(randir.WithIPs(inv), seed)},
		} {
			for _, approx := range []bool{false, true} {
				if _, err := tg.Emit(kit.Input{Policy: v.p, Inventory: v.inv, AllowApproximate: approx}); !errors.Is(err, kit.ErrUnsupported) {
					t.Fatalf("%s approximate=%v: err = %v, want the admin tier refused", v.name, approx, err)
				}
			}
			if baseline(v.p) == 0 {
				continue
			}
			if check(t, tg, variant{v.name + " baseline deny-all", denyAll(v.p), v.inv}, kit.Settings{}, false) {
				exact++
			} else if _, err := tg.Emit(kit.Input{Policy: withoutPlatform(v.p), Inventory: v.inv}); err == nil {
				t.Fatalf("%s: the deny-all baseline is refused though the teams' policies alone build", v.name)
			}
			for _, approx := range []bool{false, true} {
				if check(t, tg, variant{v.name + " baseline", baselineOnly(v.p), v.inv}, kit.Settings{}, approx) {
					drawn[approx]++
				}
			}
		}
	}
	t.Logf("deny-all baselines built: %d; drawn baselines built: %d exactly, %d under allow-approximate", exact, drawn[false], drawn[true])
	if exact < int(seeds)/2 || drawn[true] <= drawn[false] {
		t.Errorf("the property says little: %d deny-all baselines built of %d seeds, drawn %v", exact, seeds, drawn)
	}
}

// baseline counts the baseline intents of p with rules.
func baseline(p *ir.Policy) int {
	n := 0
	for _, cp := range p.Cluster {
		if cp.Tier == ir.TierBaseline && len(cp.Rules) > 0 {
			n++
		}
	}
	return n
}

// withoutPlatform is p without its platform layer.
func withoutPlatform(p *ir.Policy) *ir.Policy {
	q := *p
	q.Cluster = nil
	return &q
}

// TestPlatformNetworkPolicyExamples: the networkpolicy target builds the
// examples whose platform layer is a baseline default-deny, proven, one
// isolation per covered namespace with a warning that later namespaces
// are not; the others it refuses at each admin rule's line, naming the
// adminpolicy and calico targets, and the ingress deny from every pod
// (which its isolation would widen to everything) unless approximate.
func TestPlatformNetworkPolicyExamples(t *testing.T) {
	tg := npTarget(t)
	ex, err := randir.PlatformExamples()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"cluster-default-deny", "platform", "cluster-allow-dns", "deny-cloud-metadata", "cluster-monitoring", "tenant-isolation"} {
		p := ex[name]
		if p == nil {
			t.Fatalf("no example %s", name)
		}
		inv := enforcer.InventoryFromIR(p)
		out, err := tg.Emit(kit.Input{Policy: p, Inventory: inv})
		if name == "cluster-default-deny" {
			if !check(t, tg, variant{name, p, inv}, kit.Settings{}, false) {
				t.Fatalf("%s: refused: %v", name, err)
			}
			if len(out.Warnings) != 1 || !strings.Contains(out.Warnings[0].Message, "one NetworkPolicy per covered namespace (shop)") ||
				!strings.Contains(out.Warnings[0].Message, "a namespace created later is not covered") || out.Warnings[0].Origin.Pos.Line == 0 {
				t.Errorf("%s: warnings %v, want one at the intent's line saying later namespaces are not covered", name, out.Warnings)
			}
			continue
		}
		if !errors.Is(err, kit.ErrUnsupported) {
			t.Fatalf("%s: err = %v, want a refusal", name, err)
		}
		named := map[string]bool{}
		for _, d := range diag.Collect(err) {
			if d.Pos.Line == 0 {
				t.Errorf("%s: %v: no line", name, d)
			}
			for _, cp := range p.Cluster {
				if cp.Tier == ir.TierAdmin && strings.Contains(d.Msg, fmt.Sprintf("rule of admin intent %q", cp.Name)) {
					named[cp.Name] = true
					if !strings.Contains(d.Hint, "adminpolicy target") || !strings.Contains(d.Hint, "calico target") {
						t.Errorf("%s: %v: the hint names no target that expresses the admin tier", name, d)
					}
				}
			}
		}
		for _, cp := range p.Cluster {
			if cp.Tier == ir.TierAdmin && len(cp.Rules) > 0 && !named[cp.Name] {
				t.Errorf("%s: admin intent %q refused nowhere:\n%v", name, cp.Name, err)
			}
		}
	}
}

// TestPlatformNetworkPolicyProofBites: the proof of the default-deny
// example is not vacuous: without one of its baseline isolations, or
// with an allow added to one, the reading is wider than the intents.
func TestPlatformNetworkPolicyProofBites(t *testing.T) {
	tg := npTarget(t)
	ex, err := randir.PlatformExamples()
	if err != nil {
		t.Fatal(err)
	}
	p := ex["cluster-default-deny"]
	inv := enforcer.InventoryFromIR(p)
	ref, err := proof.NewReference(p, inv)
	if err != nil {
		t.Fatal(err)
	}
	mutations := map[string]func([]networkingv1.NetworkPolicy) []networkingv1.NetworkPolicy{
		"baseline isolation left out": func(ps []networkingv1.NetworkPolicy) []networkingv1.NetworkPolicy {
			return slices.DeleteFunc(ps, func(np networkingv1.NetworkPolicy) bool { return strings.Contains(np.Name, "platform-baseline") })
		},
		"baseline isolation allows everything": func(ps []networkingv1.NetworkPolicy) []networkingv1.NetworkPolicy {
			for i := range ps {
				if strings.Contains(ps[i].Name, "platform-baseline") {
					ps[i].Spec.Egress = []networkingv1.NetworkPolicyEgressRule{{}}
				}
			}
			return ps
		},
	}
	for what, mutate := range mutations {
		out, err := tg.Emit(kit.Input{Policy: p, Inventory: inv})
		if err != nil {
			t.Fatal(err)
		}
		pols := out.Objects.([]networkingv1.NetworkPolicy)
		n := len(pols)
		pols = mutate(slices.Clone(pols))
		if len(pols) == n && what == "baseline isolation left out" {
			t.Fatalf("%s: nothing to mutate", what)
		}
		got, err := tg.Interpret(pols, enforcer.InterpretInput{Inventory: inv, ExternalPeers: ref.Model.ExternalPeers()})
		if err != nil {
			t.Fatal(err)
		}
		if d, err := ref.ProveReading(tg.Name(), got, false); err == nil && (d == nil || d.Empty()) {
			t.Errorf("%s: the proof passed", what)
		}
	}
}
