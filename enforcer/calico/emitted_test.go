package calico

import (
	"fmt"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	emit "github.com/netpolc/netpolc/emitters/calico"
	"github.com/netpolc/netpolc/emitters/calico/calicoapi"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/testkit/randir"
)

// TestEmittedSelectorsParse: every selector the emitter prints, for the
// examples, the shared cases and random policies, parses with the
// interpreter's own parser (Calico's validator refuses a policy whose
// selector does not), and each of its disjuncts prints and parses back to
// itself.
func TestEmittedSelectorsParse(t *testing.T) {
	for name, p := range emitterInputs(t) {
		objs, _, err := emit.Build(p, emit.Options{AllowApproximate: true})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, np := range objs.NetworkPolicies {
			for _, s := range selectors(&np) {
				if err := roundTrips(s); err != nil {
					t.Errorf("%s: %s/%s: %v", name, np.Namespace, np.Name, err)
				}
			}
		}
	}
}

// emitterInputs are the shared cases, every example and 100 random
// policies.
func emitterInputs(t *testing.T) map[string]*ir.Policy {
	t.Helper()
	inputs := randir.Cases()
	ex, err := randir.Examples()
	if err != nil {
		t.Fatal(err)
	}
	for name, p := range ex {
		inputs["example-"+name] = p
	}
	for seed := range int64(100) {
		inputs[fmt.Sprintf("seed %d", seed)], _ = randir.Generate(seed, 8)
	}
	return inputs
}

// selectors are a policy's selector expressions: its own and its rules'.
func selectors(np *calicoapi.NetworkPolicy) []string {
	out := []string{np.Spec.Selector}
	for _, r := range append(np.Spec.Ingress, np.Spec.Egress...) {
		for _, e := range []*calicoapi.EntityRule{r.Source, r.Destination} {
			if e == nil {
				continue
			}
			for _, s := range []string{e.Selector, e.NamespaceSelector} {
				if s != "" {
					out = append(out, s)
				}
			}
		}
	}
	return out
}

// roundTrips parses s and checks that each disjunct round-trips.
func roundTrips(s string) error {
	sels, err := ParseSelector(s)
	if err != nil {
		return err
	}
	for _, sel := range sels {
		if err := roundTrip(sel); err != nil {
			return fmt.Errorf("%q: %w", s, err)
		}
	}
	return nil
}

// roundTrip checks that sel, printed by the emitter, parses to itself.
func roundTrip(sel metav1.LabelSelector) error {
	printed := emit.Selector(&sel)
	again, err := ParseSelector(printed)
	if err != nil {
		return fmt.Errorf("%v printed as %q, which does not parse: %w", sel, printed, err)
	}
	if len(again) != 1 || !sameSelector(again[0], sel) {
		return fmt.Errorf("%v printed as %q parses to %v", sel, printed, again)
	}
	return nil
}
