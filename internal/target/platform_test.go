package target

import (
	"errors"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/emitters/adminpolicy"
	"github.com/netpolc/netpolc/emitters/adminpolicy/adminapi"
	"github.com/netpolc/netpolc/emitters/calico"
	"github.com/netpolc/netpolc/emitters/calico/calicoapi"
	"github.com/netpolc/netpolc/emitters/cilium"
	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/emitters/networkpolicy"
	"github.com/netpolc/netpolc/emitters/nftables"
	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/enforcer/proof"
	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/testkit/randir"
)

// TestPlatformExamples: the adminpolicy target, and calico from 3.29,
// build the platform layer's examples, proven equivalent (v1alpha2 on either channel, and
// v1alpha1 on the experimental one, whose CRD has the named ports the
// examples scrape); every other target refuses them, with and without
// allow-approximate, with one error per cluster-wide intent at its line
// naming the adminpolicy target (networkpolicy, which expresses a
// baseline default-deny: TestPlatformNetworkPolicyExamples; nftables,
// which builds it proven for the pods' addresses).
func TestPlatformExamples(t *testing.T) {
	ex, err := randir.PlatformExamples()
	if err != nil {
		t.Fatal(err)
	}
	if len(ex) == 0 {
		t.Fatal("no platform example")
	}
	// The platform example uses every template, so every wrong emission
	// applies to it; the one-template examples do not all have a Pass or
	// a baseline tier.
	for _, name := range []string{"platform"} {
		p := ex[name]
		inv := enforcer.InventoryFromIR(p)
		for _, tg := range all() {
			switch tg.Name() {
			case networkpolicy.Name:
				continue
			case (nftables.Emitter{}).Name():
				// Admin, teams' and baseline rules in order in each pod's
				// chains, for the pods' addresses.
				for _, approx := range []bool{false, true} {
					if !check(t, tg, variant{name, p, randir.WithIPs(inv)}, kit.Settings{}, approx) {
						t.Errorf("nftables approximate=%v: refused example %s", approx, name)
					}
				}
				continue
			}
			if tg.Name() == (adminpolicy.Emitter{}).Name() {
				for _, api := range []adminapi.API{{}, {Channel: adminapi.Experimental}, {Version: adminapi.V1Alpha1, Channel: adminapi.Experimental}} {
					s := kit.Settings{}
					s.SetValue(adminapi.SettingVersion, string(api.Version))
					s.SetValue(adminapi.SettingChannel, string(api.Channel))
					if api.Version == "" {
						s = kit.Settings{}
						if api.Experimental() {
							s.SetValue(adminapi.SettingChannel, string(api.Channel))
						}
					}
					if !check(t, tg, variant{name, p, inv}, s, false) {
						t.Errorf("adminpolicy %s: refused example %s", api, name)
					}
				}
				continue
			}
			s := kit.Settings{}
			if tg.Name() == (calico.Emitter{}).Name() {
				for _, v := range []string{"", "3.29"} {
					with := kit.Settings{}
					with.SetValue(calicoapi.OptionVersion, v)
					if !check(t, tg, variant{name, p, inv}, with, false) {
						t.Errorf("calico %q: refused example %s", v, name)
					}
				}
				s.SetValue(calicoapi.OptionVersion, "3.28")
			}
			for _, approx := range []bool{false, true} {
				_, err := tg.Emit(kit.Input{Policy: p, Inventory: randir.WithIPs(inv), AllowApproximate: approx, Settings: s})
				if !errors.Is(err, kit.ErrUnsupported) {
					t.Fatalf("%s approximate=%v: example %s: err = %v, want a refusal", tg.Name(), approx, name, err)
				}
				ds := diag.Collect(err)
				if tg.Name() == (cilium.Emitter{}).Name() {
					checkCiliumRefusal(t, ds)
					continue
				}
				if len(ds) != len(p.Cluster) {
					t.Errorf("%s: %d errors, want one per cluster-wide intent (%d):\n%v", tg.Name(), len(ds), len(p.Cluster), err)
				}
				for i, d := range ds {
					if d.Pos.Line == 0 || !strings.Contains(d.Msg, "cluster-wide") || !strings.Contains(d.Hint, "adminpolicy target") {
						t.Errorf("%s: error %d = %v, want it at the intent's line, naming the adminpolicy target", tg.Name(), i, d)
					}
				}
			}
		}
	}
}

// TestPlatformCalicoProofBites: the calico proof of the platform example
// is not vacuous: each wrong emission of the platform layer (the admin
// tier ending with Deny instead of Pass, the Passes emitted as Allow, the
// baseline tier ordered before the teams' tier) fails it.
func TestPlatformCalicoProofBites(t *testing.T) {
	ex, err := randir.PlatformExamples()
	if err != nil {
		t.Fatal(err)
	}
	tg, ok := lookup((calico.Emitter{}).Name())
	if !ok {
		t.Fatal("no calico target")
	}
	mutations := map[string]func(*calicoapi.Objects) bool{
		"admin tier ends with Deny": func(o *calicoapi.Objects) bool {
			for i := range o.Tiers {
				if o.Tiers[i].Spec.DefaultAction == calicoapi.ActionPass && strings.Contains(o.Tiers[i].Name, "platform") {
					o.Tiers[i].Spec.DefaultAction = calicoapi.ActionDeny
					return true
				}
			}
			return false
		},
		"Pass emitted as Allow": func(o *calicoapi.Objects) bool {
			n := 0
			for i := range o.GlobalNetworkPolicies {
				spec := &o.GlobalNetworkPolicies[i].Spec
				for _, rules := range [][]calicoapi.Rule{spec.Ingress, spec.Egress} {
					for j := range rules {
						if rules[j].Action == calicoapi.ActionPass {
							rules[j].Action = calicoapi.ActionAllow
							n++
						}
					}
				}
			}
			return n > 0
		},
		"baseline before the teams": func(o *calicoapi.Objects) bool {
			for i := range o.Tiers {
				if strings.Contains(o.Tiers[i].Name, "baseline") {
					order := 1.0
					o.Tiers[i].Spec.Order = &order
					return true
				}
			}
			return false
		},
	}
	// The platform example uses every template, so every wrong emission
	// applies to it; the one-template examples do not all have a Pass or
	// a baseline tier.
	for _, name := range []string{"platform"} {
		p := ex[name]
		inv := enforcer.InventoryFromIR(p)
		ref, err := proof.NewReference(p, inv)
		if err != nil {
			t.Fatal(err)
		}
		for what, mutate := range mutations {
			out, err := tg.Emit(kit.Input{Policy: p, Inventory: inv})
			if err != nil {
				t.Fatal(err)
			}
			objs := out.Objects.(*calicoapi.Objects)
			if !mutate(objs) {
				t.Fatalf("%s: %s: nothing to mutate", name, what)
			}
			got, err := tg.Interpret(objs, enforcer.InterpretInput{Inventory: inv, ExternalPeers: ref.Model.ExternalPeers(), PodCIDRs: p.PodCIDRs})
			if err == nil {
				_, err = ref.ProveReading(tg.Name(), got, false)
			}
			if err == nil {
				t.Errorf("%s: %s: proven", name, what)
			}
		}
	}
}

// checkCiliumRefusal: cilium refuses the platform example (its
// #TenantIsolation passes and denies, its baseline denies ingress from
// every pod, which is not an isolation) with
// errors at the lines of the rules it cannot order, each giving the
// reason and naming the targets that can.
func checkCiliumRefusal(t *testing.T, ds diag.List) {
	t.Helper()
	if len(ds) == 0 {
		t.Fatal("cilium: no error")
	}
	baseline := false
	for i, d := range ds {
		if d.Pos.Line == 0 || !strings.Contains(d.Hint, "adminpolicy or calico target") {
			t.Errorf("cilium: error %d = %v, want it at a rule's line, naming adminpolicy and calico", i, d)
		}
		baseline = baseline || strings.Contains(d.Msg, "baseline Deny Ingress rule")
	}
	if !baseline {
		t.Errorf("cilium: no error names the baseline rule:\n%v", ds)
	}
}
