package networkpolicy_test

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/netpolc/netpolc/emitters/calico/calicoapi"
	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/emitters/networkpolicy"
	"github.com/netpolc/netpolc/enforcer"
	readnetpol "github.com/netpolc/netpolc/enforcer/networkpolicy"
	"github.com/netpolc/netpolc/enforcer/proof"
	"github.com/netpolc/netpolc/internal/crdcheck"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/settings"
	"github.com/netpolc/netpolc/internal/testkit/randir"
)

// TestStagedOnCalico: build --staged --networkpolicy-on-calico writes,
// for every input, one StagedKubernetesNetworkPolicy per NetworkPolicy of
// the enforcing build, same name, namespace and spec, stagedAction Set;
// each validates against Calico v3.32.1's CRD (../calico/testdata/crd)
// with the API server's code, and read back as the NetworkPolicies they
// stage they prove equal to the intents.
func TestStagedOnCalico(t *testing.T) {
	data, err := os.ReadFile("../calico/testdata/crd/v3.32.1/projectcalico.org_stagedkubernetesnetworkpolicies.yaml")
	if err != nil {
		t.Fatal(err)
	}
	crd, err := crdcheck.Parse(data, "v3")
	if err != nil {
		t.Fatal(err)
	}
	inputs := randir.Cases()
	for seed := range int64(60) {
		inputs[fmt.Sprintf("seed %d", seed)], _ = randir.Generate(seed, 8)
	}
	s := kit.Settings{settings.Staged: true, networkpolicy.OptionOnCalico: true}
	checked := 0
	for name, p := range inputs {
		enf, err := networkpolicy.Emitter{}.Emit(kit.Input{Policy: p, AllowApproximate: true})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		st, err := networkpolicy.Emitter{}.Emit(kit.Input{Policy: p, AllowApproximate: true, Settings: s})
		if err != nil {
			t.Fatalf("%s: staged: %v", name, err)
		}
		pols, staged := enf.Objects.([]networkingv1.NetworkPolicy), st.Objects.([]calicoapi.StagedKubernetesNetworkPolicy)
		if len(pols) != len(staged) {
			t.Fatalf("%s: %d policies, %d staged", name, len(pols), len(staged))
		}
		for i, sp := range staged {
			checked++
			want := pols[i].Spec
			if sp.Name != pols[i].Name || sp.Namespace != pols[i].Namespace || sp.Spec.StagedAction != calicoapi.StagedActionSet ||
				!reflect.DeepEqual(sp.Spec.PodSelector, want.PodSelector) || !reflect.DeepEqual(sp.Spec.Ingress, want.Ingress) ||
				!reflect.DeepEqual(sp.Spec.Egress, want.Egress) || !reflect.DeepEqual(sp.Spec.PolicyTypes, want.PolicyTypes) {
				t.Errorf("%s: %s/%s is not the NetworkPolicy staged", name, sp.Namespace, sp.Name)
			}
			sp.APIVersion, sp.Kind = calicoapi.APIVersion, calicoapi.KindStagedKubernetesNetworkPolicy
			for _, e := range crd.ValidateValue(&sp) {
				t.Errorf("%s: %s/%s: %s", name, sp.Namespace, sp.Name, e)
			}
		}
		for _, f := range st.Files {
			if !strings.Contains(string(f.Data), "kind: StagedKubernetesNetworkPolicy\n") || strings.Contains(string(f.Data), "kind: NetworkPolicy\n") {
				t.Errorf("%s: %s holds no staged kind", name, f.Path)
			}
		}
		prove(t, name, p, st.Objects, s)
	}
	if checked < 200 {
		t.Errorf("only %d staged policies checked", checked)
	}
}

func prove(t *testing.T, name string, p *ir.Policy, objs any, s kit.Settings) {
	t.Helper()
	inv := enforcer.IntentsInventory(p)
	ref, err := proof.NewReference(p, inv)
	if err != nil {
		t.Fatal(err)
	}
	in := enforcer.InterpretInput{Inventory: inv, ExternalPeers: ref.Model.ExternalPeers(), Settings: s}
	got, err := readnetpol.Interpreter{}.Interpret(objs, in)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if _, err := ref.ProveReading("networkpolicy", got, true); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	in.Settings = kit.Settings{}
	if _, err := (readnetpol.Interpreter{}).Interpret(objs, in); err == nil {
		t.Errorf("%s: an enforcing reading accepted staged policies", name)
	}
}

// TestStagedRefused: NetworkPolicy alone has no staged form: without
// --networkpolicy-on-calico, --staged fails closed, naming the targets
// that have one, instead of writing enforcing policies.
func TestStagedRefused(t *testing.T) {
	_, err := networkpolicy.Emitter{}.Emit(kit.Input{Policy: randir.Cases()["isolation-only"], Settings: kit.Settings{settings.Staged: true}})
	if !errors.Is(err, kit.ErrNoStagedForm) {
		t.Fatalf("got %v, want ErrNoStagedForm", err)
	}
	if !strings.Contains(err.Error(), networkpolicy.OptionOnCalico) {
		t.Errorf("the error does not name --%s: %v", networkpolicy.OptionOnCalico, err)
	}
}
