package target

import (
	"errors"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/emitters/adminpolicy"
	"github.com/netpolc/netpolc/emitters/adminpolicy/adminapi"
	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/testkit/randir"
)

// TestPlatformExamples: the adminpolicy target builds the platform
// layer's examples, proven equivalent (v1alpha2 on either channel, and
// v1alpha1 on the experimental one, whose CRD has the named ports the
// examples scrape); every other target refuses them, with and without
// allow-approximate, with one error per cluster-wide intent at its line
// naming the adminpolicy target.
func TestPlatformExamples(t *testing.T) {
	ex, err := randir.PlatformExamples()
	if err != nil {
		t.Fatal(err)
	}
	if len(ex) == 0 {
		t.Fatal("no platform example")
	}
	for name, p := range ex {
		inv := enforcer.InventoryFromIR(p)
		for _, tg := range all() {
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
			for _, approx := range []bool{false, true} {
				_, err := tg.Emit(kit.Input{Policy: p, Inventory: randir.WithIPs(inv), AllowApproximate: approx})
				if !errors.Is(err, kit.ErrUnsupported) {
					t.Fatalf("%s approximate=%v: example %s: err = %v, want a refusal", tg.Name(), approx, name, err)
				}
				ds := diag.Collect(err)
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
