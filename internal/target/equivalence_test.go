package target

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/enforcer/proof"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/testkit/randir"
)

// The equivalence property, for every registered target, every
// combination of its options and allow-approximate: over random intents
// and inventories, and every example, the target's emitted objects read
// back by its interpreter allow exactly what the intents allow, or the
// emitter refused with kit.ErrUnsupported; under allow-approximate they
// allow nothing more, and every difference comes with a warning. A new
// target is covered by being in the registry.

// variant is one input a target is checked on.
type variant struct {
	name string
	p    *ir.Policy
	inv  inventory.Inventory
}

// variants are the shapes of a random case the targets differ on: as
// generated, restricted to egress (the admin API cannot isolate ingress),
// with a pod IP for every endpoint (nftables needs them; CIDRs then cover
// pods), and egress-only with FQDN peers (cilium and adminpolicy express
// them; the others refuse, or leave them out under allow-approximate).
func variants(name string, p *ir.Policy, inv inventory.Inventory) []variant {
	return []variant{
		{name, p, inv},
		{name + " egress-only", randir.EgressOnly(p), inv},
		{name + " with IPs", p, randir.WithIPs(inv)},
		{name + " with FQDN", randir.WithFQDN(randir.EgressOnly(p)), inv},
	}
}

// settings are every combination of a target's options that describes a
// cluster: a combination the emitter refuses as invalid even with no
// intents (Calico's v3 CRDs on a release without them) is left out; a
// single option value it refuses so fails the test. Options that change
// only the staged form are tried when staged is set.
func settings(t *testing.T, tg Target, staged bool) []kit.Settings {
	out := []kit.Settings{{}}
	for _, o := range tg.Options() {
		if o.StagedOnly && !staged {
			continue
		}
		values := []string{""} // a boolean option on
		if o.Kind != kit.OptionBool {
			values = o.Examples
		}
		for _, s := range slices.Clone(out) {
			for _, v := range values {
				with := kit.Settings{}
				for k, v := range s {
					with[k] = v
				}
				if o.Kind == kit.OptionBool {
					with[o.Name] = true
				} else {
					with.SetValue(o.Name, v)
				}
				_, err := tg.Emit(kit.Input{Policy: &ir.Policy{}, Settings: with})
				switch {
				case err == nil:
					out = append(out, with)
				case len(s) > 0 && errors.Is(err, kit.ErrInvalid):
					t.Logf("%s %v: left out, the target refuses it: %v", tg.Name(), with, err)
				default:
					t.Fatalf("%s %v: %v", tg.Name(), with, err)
				}
			}
		}
	}
	return out
}

// check emits v with tg and proves the result; it reports false when the
// emitter refused.
func check(t *testing.T, tg Target, v variant, s kit.Settings, approx bool) bool {
	t.Helper()
	out, err := tg.Emit(kit.Input{Policy: v.p, Inventory: v.inv, AllowApproximate: approx, Settings: s})
	if errors.Is(err, kit.ErrUnsupported) {
		return false
	}
	if err != nil {
		t.Fatalf("%s: Emit: %v", v.name, err)
	}
	ref, err := proof.NewReference(v.p, v.inv)
	if err != nil {
		t.Fatal(err)
	}
	perAddr, err := ref.PerAddress()
	if err != nil {
		t.Fatal(err)
	}
	d, err := proof.ProveObjects(tg, tg.Name(), out.Objects, enforcer.InterpretInput{Settings: s, PodCIDRs: v.p.PodCIDRs}, ref, perAddr, approx)
	if err != nil {
		t.Fatalf("%s: %v", v.name, err)
	}
	if d != nil && !d.Empty() && len(out.Narrowed) == 0 {
		t.Fatalf("%s: narrower than the intents without a warning: %+v", v.name, d)
	}
	return true
}

func TestEquivalence(t *testing.T) {
	seeds := randir.Seeds(t)
	for _, tg := range all() {
		for _, s := range settings(t, tg, false) {
			for _, approx := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s %v approximate=%v", tg.Name(), s, approx), func(t *testing.T) {
					built, refused := 0, 0
					for seed := range seeds {
						p, inv := randir.Generate(seed, 1+int(seed%12))
						for _, v := range variants(fmt.Sprintf("seed %d", seed), p, inv) {
							if check(t, tg, v, s, approx) {
								built++
							} else {
								refused++
							}
						}
					}
					t.Logf("%d built, %d refused", built, refused)
					if built < int(seeds)/4 {
						t.Errorf("only %d of %d cases built: the property says little", built, 3*seeds)
					}
				})
			}
		}
	}
}

// TestExamplesEquivalence checks every example: each target builds some
// shape of it exactly under some settings, and whatever it builds is
// proven.
func TestExamplesEquivalence(t *testing.T) {
	ex, err := randir.Examples()
	if err != nil {
		t.Fatal(err)
	}
	for _, tg := range all() {
		for name, p := range ex {
			built := false
			for _, s := range settings(t, tg, false) {
				for _, v := range variants(name, p, enforcer.InventoryFromIR(p)) {
					built = check(t, tg, v, s, false) || built
				}
			}
			if !built && hasFQDN(p) {
				// A target without DNS-name rules refuses the example; it
				// must build it without them, narrower, under
				// allow-approximate.
				built = check(t, tg, variant{name, p, randir.WithIPs(enforcer.InventoryFromIR(p))}, kit.Settings{}, true)
			}
			if !built {
				t.Errorf("%s: no shape of example %s builds", tg.Name(), name)
			}
		}
	}
}

// hasFQDN reports whether p has an FQDN peer.
func hasFQDN(p *ir.Policy) bool {
	return slices.ContainsFunc(p.Rules, func(r ir.Rule) bool { return r.Peer.Kind == ir.PeerFQDN })
}

// TestFQDNBuilds checks that the FQDN variants say something: the cilium
// target builds them exactly (toFQDNs and the DNS rule, proven) as often
// as it builds the cases without names (a third: it refuses CIDRs holding
// pod IPs), and every target builds them under allow-approximate (with pod
// IPs, which nftables needs).
func TestFQDNBuilds(t *testing.T) {
	seeds := randir.Seeds(t) / 4
	for _, tg := range all() {
		for _, approx := range []bool{false, true} {
			built := 0
			for seed := range seeds {
				p, inv := randir.Generate(seed, 1+int(seed%12))
				q := randir.WithFQDN(randir.EgressOnly(p))
				if !hasFQDN(q) {
					built++ // no egress isolation to add names to
					continue
				}
				if approx {
					inv = randir.WithIPs(inv)
				}
				if check(t, tg, variant{fmt.Sprintf("seed %d with FQDN", seed), q, inv}, kit.Settings{}, approx) {
					built++
				}
			}
			want := seeds / 3
			if approx {
				want = seeds * 3 / 4
			}
			if !approx && tg.Name() != "cilium" {
				want = 0
			}
			t.Logf("%s approximate=%v: %d of %d built", tg.Name(), approx, built, seeds)
			if built < int(want) {
				t.Errorf("%s approximate=%v: only %d of %d FQDN cases built", tg.Name(), approx, built, seeds)
			}
		}
	}
}
