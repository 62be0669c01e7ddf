package calico

import (
	"errors"
	"testing"

	emit "github.com/netpolc/netpolc/emitters/calico"
	"github.com/netpolc/netpolc/emitters/calico/calicoapi"
	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/enforcer/proof"
	"github.com/netpolc/netpolc/internal/ir"
	fx "github.com/netpolc/netpolc/internal/testkit/irfix"
)

// TestInterpreterFollowsTheVersion: the interpreter reads the objects as
// the named Calico would: a Tier or spec.tier before 3.29 does not exist
// there (invalid), the emitter's tierless output for 3.28 is proven, and
// v3 CRDs before 3.32 are refused.
func TestInterpreterFollowsTheVersion(t *testing.T) {
	p := &ir.Policy{Isolations: []ir.Isolation{fx.Isolate(fx.Web, ir.Ingress, 1)},
		Rules: []ir.Rule{fx.Allow(fx.Web, ir.Ingress, fx.LocalPods(fx.App("db")), 2, fx.TCP(80))}}
	tiered, _, err := emit.Build(p, emit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	old := kit.Settings{}
	old.SetValue(calicoapi.OptionVersion, "3.28")
	if _, err := Interpret(tiered, enforcer.InterpretInput{Inventory: inv, Settings: old}); !errors.Is(err, enforcer.ErrInvalid) {
		t.Errorf("a Tier read as Calico 3.28: %v, want ErrInvalid", err)
	}
	v, _ := calicoapi.ParseVersion("3.28")
	flat, _, err := emit.Build(p, emit.Options{Version: v})
	if err != nil {
		t.Fatal(err)
	}
	r, err := Interpret(flat, enforcer.InterpretInput{Inventory: inv, Settings: old})
	if err != nil {
		t.Fatal(err)
	}
	ref, err := proof.NewReference(p, inv)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ref.ProveReading("calico", r, false); err != nil {
		t.Errorf("the tierless output for 3.28: %v", err)
	}
	crds := kit.Settings{}
	crds.SetValue(calicoapi.OptionVersion, "3.31")
	crds.SetValue(calicoapi.OptionAPI, calicoapi.V3CRDs)
	if _, err := Interpret(tiered, enforcer.InterpretInput{Inventory: inv, Settings: crds}); !errors.Is(err, enforcer.ErrInvalid) {
		t.Errorf("v3 CRDs on 3.31: %v, want ErrInvalid", err)
	}
}
