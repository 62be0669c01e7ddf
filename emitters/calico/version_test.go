package calico

import (
	"errors"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/emitters/calico/calicoapi"
	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/internal/ir"
	fx "github.com/netpolc/netpolc/internal/testkit/irfix"
)

// versionPolicy isolates web and lets db reach it.
var versionPolicy = &ir.Policy{Isolations: []ir.Isolation{fx.Isolate(fx.Web, ir.Ingress, 1)},
	Rules: []ir.Rule{fx.Allow(fx.Web, ir.Ingress, fx.LocalPods(fx.App("db")), 2, fx.TCP(80))}}

func settings(kv ...string) kit.Settings {
	s := kit.Settings{}
	for i := 0; i+1 < len(kv); i += 2 {
		s.SetValue(kv[i], kv[i+1])
	}
	return s
}

// TestVersionDecidesTiers (issue 10, defect 7): the output uses only
// what the named Calico has: a Tier with defaultAction and spec.tier from
// 3.29 (the default is the current stable release), neither before.
func TestVersionDecidesTiers(t *testing.T) {
	tests := []struct {
		settings kit.Settings
		tiers    bool
	}{
		{kit.Settings{}, true},
		{settings(calicoapi.OptionVersion, "3.29"), true},
		{settings(calicoapi.OptionVersion, "3.28"), false},
		{settings(calicoapi.OptionVersion, "v3.27.4"), false},
		{settings(calicoapi.OptionAPI, calicoapi.V3CRDs), true},
	}
	for _, tt := range tests {
		out, err := Emitter{}.Emit(kit.Input{Policy: versionPolicy, Settings: tt.settings})
		if err != nil {
			t.Fatalf("%v: %v", tt.settings, err)
		}
		objs := out.Objects.(*calicoapi.Objects)
		var text strings.Builder
		for _, f := range out.Files {
			text.Write(f.Data)
		}
		hasTier := strings.Contains(text.String(), "kind: Tier") || strings.Contains(text.String(), "tier: netpolc")
		if hasTier != tt.tiers || (len(objs.Tiers) > 0) != tt.tiers {
			t.Errorf("%v: tiers in the output %v, want %v:\n%s", tt.settings, hasTier, tt.tiers, text.String())
		}
		if tt.tiers && !strings.Contains(text.String(), "defaultAction: Deny") {
			t.Errorf("%v: no defaultAction:\n%s", tt.settings, text.String())
		}
	}
}

// TestVersionAndAPIAreChecked: a version that is not one, and v3 CRDs
// before Calico 3.32 (which serves projectcalico.org/v3 only through its
// API server), are errors naming the option.
func TestVersionAndAPIAreChecked(t *testing.T) {
	for _, s := range []kit.Settings{
		settings(calicoapi.OptionVersion, "3"),
		settings(calicoapi.OptionVersion, "2.6"),
		settings(calicoapi.OptionVersion, "3.x"),
		settings(calicoapi.OptionAPI, "crds"),
		settings(calicoapi.OptionVersion, "3.31", calicoapi.OptionAPI, calicoapi.V3CRDs),
	} {
		_, err := Emitter{}.Emit(kit.Input{Policy: versionPolicy, Settings: s})
		if !errors.Is(err, kit.ErrInvalid) || !strings.Contains(err.Error(), "calico-") {
			t.Errorf("%v: error %v, want ErrInvalid naming the option", s, err)
		}
	}
	if _, err := (Emitter{}).Emit(kit.Input{Policy: versionPolicy,
		Settings: settings(calicoapi.OptionVersion, "3.32", calicoapi.OptionAPI, calicoapi.V3CRDs)}); err != nil {
		t.Errorf("v3 CRDs on 3.32: %v", err)
	}
}
