package pipeline

import (
	"errors"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/internal/target"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/netpolc/netpolc/emitters/networkpolicy"
	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/enforcer/proof"
	"github.com/netpolc/netpolc/internal/diag"
)

// wideReader is an interpreter with a bug: it reads every emitted policy
// as allowing everything in.
type wideReader struct{}

func (wideReader) Interpret(objects any, _ enforcer.InterpretInput) (*enforcer.Reading, error) {
	pols := objects.([]networkingv1.NetworkPolicy)
	for i := range pols {
		pols[i].Spec.Ingress = []networkingv1.NetworkPolicyIngressRule{{}}
	}
	ps, err := enforcer.FromNetworkPolicies(enforcer.WithoutSource(pols))
	return &enforcer.Reading{Policies: ps}, err
}

// buggyTarget pairs the real networkpolicy emitter with that interpreter.
type buggyTarget struct {
	networkpolicy.Emitter
	wideReader
}

// TestProofFailsClosed: when a target's objects, read back, allow more
// than the intents, the build fails before any file is produced, with one
// diagnostic at an intent line behind the first differing flow, naming
// the target and the flows, and a hint that says this is a netpolc bug.
func TestProofFailsClosed(t *testing.T) {
	out, err := Generate(shop(t), Options{Targets: []target.Target{buggyTarget{}}})
	if err == nil || out != nil {
		t.Fatalf("a wider reading was proven: out=%v err=%v", out, err)
	}
	if !errors.Is(err, proof.ErrNotEquivalent) {
		t.Fatalf("err %v is not ErrNotEquivalent", err)
	}
	list := diag.Collect(err)
	if len(list) != 1 || list[0].Pos.File == "" || list[0].Pos.Line == 0 {
		t.Fatalf("want one positioned diagnostic, got %q", list.Error())
	}
	for _, want := range []string{"networkpolicy: not equivalent to the intents: differs on", "wider ", "netpolc bug"} {
		if !strings.Contains(list.Error(), want) {
			t.Errorf("diagnostic lacks %q:\n%s", want, list.Error())
		}
	}
}
