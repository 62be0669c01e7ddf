package calico_test

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/emitters/calico"
	"github.com/netpolc/netpolc/emitters/calico/calicoapi"
	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/enforcer"
	readcalico "github.com/netpolc/netpolc/enforcer/calico"
	"github.com/netpolc/netpolc/enforcer/proof"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/settings"
	"github.com/netpolc/netpolc/internal/testkit/randir"
)

// stagedInputs are the examples (teams' and platform) and random intents
// with and without a platform layer.
func stagedInputs(t *testing.T) map[string]*ir.Policy {
	t.Helper()
	inputs := randir.Cases()
	for _, f := range []func() (map[string]*ir.Policy, error){randir.Examples, randir.PlatformExamples} {
		ex, err := f()
		if err != nil {
			t.Fatal(err)
		}
		for name, p := range ex {
			inputs["example-"+name] = p
		}
	}
	for seed := range int64(60) {
		p, _ := randir.Generate(seed, 8)
		inputs[fmt.Sprintf("seed %d", seed)] = p
		inputs[fmt.Sprintf("seed %d platform", seed)] = randir.WithCluster(randir.EgressOnly(p), seed)
	}
	return inputs
}

func stagedSettings() kit.Settings { return kit.Settings{settings.Staged: true} }

// TestStaged: build --staged writes, for every input the enforcing build
// accepts, the same tiers and, in place of each policy, a staged policy
// of the same name with the same spec and stagedAction Set, and nothing
// that enforces; its staged objects validate against the upstream
// staged CRDs (Calico v3.32.1, testdata/crd) with the API server's code
// and Calico's validator rules; and read back as the enforcement they
// stage, they prove equal to the intents.
func TestStaged(t *testing.T) {
	snpCRD := readCRD(t, "testdata/crd/v3.32.1/projectcalico.org_stagednetworkpolicies.yaml")
	sgnpCRD := readCRD(t, "testdata/crd/v3.32.1/projectcalico.org_stagedglobalnetworkpolicies.yaml")
	tierCRD := readCRD(t, "testdata/crd/v3.32.1/projectcalico.org_tiers.yaml")
	counts := map[string]int{}
	for name, p := range stagedInputs(t) {
		enf, err := calico.Emitter{}.Emit(kit.Input{Policy: p, AllowApproximate: true})
		if errors.Is(err, kit.ErrUnsupported) {
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		st, err := calico.Emitter{}.Emit(kit.Input{Policy: p, AllowApproximate: true, Settings: stagedSettings()})
		if err != nil {
			t.Fatalf("%s: staged: %v", name, err)
		}
		e, s := enf.Objects.(*calicoapi.Objects), st.Objects.(*calicoapi.Objects)
		if len(s.NetworkPolicies)+len(s.GlobalNetworkPolicies) > 0 {
			t.Fatalf("%s: the staged build holds enforcing policies", name)
		}
		if !reflect.DeepEqual(e.Tiers, s.Tiers) || len(e.NetworkPolicies) != len(s.StagedNetworkPolicies) || len(e.GlobalNetworkPolicies) != len(s.StagedGlobalNetworkPolicies) {
			t.Fatalf("%s: staged objects differ from the enforcing ones in number or tiers", name)
		}
		for i, np := range s.StagedNetworkPolicies {
			counts["StagedNetworkPolicy"]++
			if np.Spec.StagedAction != calicoapi.StagedActionSet || !reflect.DeepEqual(np.Spec.PolicySpec, e.NetworkPolicies[i].Spec) || np.ObjectMeta.Name != e.NetworkPolicies[i].Name {
				t.Errorf("%s: %s/%s is not the enforcing policy staged", name, np.Namespace, np.Name)
			}
			np.APIVersion, np.Kind = calicoapi.APIVersion, calicoapi.KindStagedNetworkPolicy
			for _, err := range snpCRD.ValidateValue(&np) {
				t.Errorf("%s: %s/%s: %s", name, np.Namespace, np.Name, err)
			}
			for _, err := range validatorRules(np.Name, np.Spec.Tier, append(np.Spec.Ingress, np.Spec.Egress...)) {
				t.Errorf("%s: %s/%s: %s", name, np.Namespace, np.Name, err)
			}
		}
		for i, g := range s.StagedGlobalNetworkPolicies {
			counts["StagedGlobalNetworkPolicy"]++
			if g.Spec.StagedAction != calicoapi.StagedActionSet || !reflect.DeepEqual(g.Spec.GlobalPolicySpec, e.GlobalNetworkPolicies[i].Spec) {
				t.Errorf("%s: %s is not the enforcing policy staged", name, g.Name)
			}
			g.APIVersion, g.Kind = calicoapi.APIVersion, calicoapi.KindStagedGlobalNetworkPolicy
			for _, err := range sgnpCRD.ValidateValue(&g) {
				t.Errorf("%s: %s: %s", name, g.Name, err)
			}
			for _, err := range validatorRules(g.Name, g.Spec.Tier, append(g.Spec.Ingress, g.Spec.Egress...)) {
				t.Errorf("%s: %s: %s", name, g.Name, err)
			}
		}
		for _, tier := range s.Tiers {
			for _, err := range tierCRD.ValidateValue(&tier) {
				t.Errorf("%s: tier %s: %s", name, tier.Name, err)
			}
		}
		proveStaged(t, name, p, st)
	}
	if counts["StagedNetworkPolicy"] < 200 || counts["StagedGlobalNetworkPolicy"] < 50 {
		t.Errorf("too few staged objects checked: %v", counts)
	}
}

// proveStaged reads the staged objects back as what they stage and
// proves them equal to the intents (nothing narrower without a warning),
// and checks that an enforcing reading refuses them.
func proveStaged(t *testing.T, name string, p *ir.Policy, out *kit.Output) {
	t.Helper()
	inv := enforcer.IntentsInventory(p)
	ref, err := proof.NewReference(p, inv)
	if err != nil {
		t.Fatal(err)
	}
	in := enforcer.InterpretInput{Inventory: inv, ExternalPeers: ref.Model.ExternalPeers(), Settings: stagedSettings()}
	got, err := readcalico.Interpreter{}.Interpret(out.Objects, in)
	if err != nil {
		t.Fatalf("%s: staged reading: %v", name, err)
	}
	if _, err := ref.ProveReading("calico", got, true); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	in.Settings = kit.Settings{}
	if _, err := (readcalico.Interpreter{}).Interpret(out.Objects, in); err == nil && hasStaged(out.Objects.(*calicoapi.Objects)) {
		t.Errorf("%s: an enforcing reading accepted staged policies", name)
	}
}

func hasStaged(o *calicoapi.Objects) bool {
	return len(o.StagedNetworkPolicies)+len(o.StagedGlobalNetworkPolicies) > 0
}

// TestStagedFiles: the files hold the staged kinds, stagedAction Set,
// and no enforcing kind.
func TestStagedFiles(t *testing.T) {
	ex, err := randir.PlatformExamples()
	if err != nil {
		t.Fatal(err)
	}
	for name, p := range ex {
		out, err := calico.Emitter{}.Emit(kit.Input{Policy: p, Settings: stagedSettings()})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		kinds := map[string]int{}
		for _, f := range out.Files {
			for _, line := range strings.Split(string(f.Data), "\n") {
				if k, ok := strings.CutPrefix(line, "kind: "); ok {
					kinds[k]++
				}
				if v, ok := strings.CutPrefix(line, "  stagedAction: "); ok && v != "Set" {
					t.Errorf("%s: %s: stagedAction %s", name, f.Path, v)
				}
			}
		}
		if kinds[calicoapi.KindNetworkPolicy]+kinds[calicoapi.KindGlobalNetworkPolicy] > 0 || kinds[calicoapi.KindStagedGlobalNetworkPolicy] == 0 {
			t.Errorf("%s: kinds %v", name, kinds)
		}
		if len(out.Warnings) == 0 || !strings.Contains(out.Warnings[0].Message, "ends in Pass") {
			t.Errorf("%s: no warning about the tiers: %v", name, out.Warnings)
		}
	}
}

// TestStagedBefore330: open-source Calico has staged policies from 3.30;
// a staged build for an older release fails closed.
func TestStagedBefore330(t *testing.T) {
	s := stagedSettings()
	s.SetValue(calicoapi.OptionVersion, "3.29")
	_, err := calico.Emitter{}.Emit(kit.Input{Policy: randir.Cases()["isolation-only"], Settings: s})
	if !errors.Is(err, kit.ErrNoStagedForm) || !strings.Contains(err.Error(), "3.30") {
		t.Fatalf("got %v, want ErrNoStagedForm naming 3.30", err)
	}
}
