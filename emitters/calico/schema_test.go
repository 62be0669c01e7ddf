package calico_test

import (
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/emitters/calico"
	"github.com/netpolc/netpolc/emitters/calico/calicoapi"
	"github.com/netpolc/netpolc/internal/crdcheck"
	"github.com/netpolc/netpolc/internal/portset"
	"github.com/netpolc/netpolc/internal/testkit/randir"
)

// TestSchema validates every object the examples, the shared cases and
// random policies produce, for every Calico version and API mode the
// emitter supports, against the upstream projectcalico.org/v3 CRDs
// (testdata/crd: Calico v3.32.1, api/config/crd) with the API server's own
// validation code (internal/crdcheck: schema, CEL rules, no field the CRD
// would prune), plus the rules Calico's validator states in code: ports
// only with TCP, UDP or SCTP; ranges ascending; policy names carrying
// their tier's prefix; notNets inside nets of the same family. That the
// selectors parse is checked by the interpreter's tests (enforcer/calico),
// with its own parser.
func TestSchema(t *testing.T) {
	tierCRD := readCRD(t, "testdata/crd/v3.32.1/projectcalico.org_tiers.yaml")
	npCRD := readCRD(t, "testdata/crd/v3.32.1/projectcalico.org_networkpolicies.yaml")
	checked := 0
	check := func(name string, objs *calicoapi.Objects) {
		for _, tier := range objs.Tiers {
			for _, e := range tierCRD.ValidateValue(&tier) {
				t.Errorf("%s: tier %s: %s", name, tier.Name, e)
			}
		}
		for _, np := range objs.NetworkPolicies {
			checked++
			for _, e := range npCRD.ValidateValue(&np) {
				t.Errorf("%s: %s/%s: %s", name, np.Namespace, np.Name, e)
			}
			for _, e := range validatorRules(np.Name, np.Spec.Tier, append(np.Spec.Ingress, np.Spec.Egress...)) {
				t.Errorf("%s: %s/%s: %s", name, np.Namespace, np.Name, e)
			}
		}
	}
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
	for _, mode := range calicoModes(t) {
		for name, p := range inputs {
			objs, _, err := calico.Build(p, calico.Options{Version: mode.version, AllowApproximate: true})
			if err != nil {
				t.Fatalf("%s %s: %v", mode.name, name, err)
			}
			check(mode.name+" "+name, objs)
		}
	}
	if checked < 100*len(calicoModes(t)) {
		t.Errorf("only %d NetworkPolicies checked", checked)
	}
}

// TestSchemaPlatform validates the Tiers and GlobalNetworkPolicies of the
// platform layer (the platform examples and random platform layers over
// the random teams' policies) against the upstream CRDs of Calico v3.32.1
// and the validator's rules, for the releases with tiers.
func TestSchemaPlatform(t *testing.T) {
	tierCRD := readCRD(t, "testdata/crd/v3.32.1/projectcalico.org_tiers.yaml")
	gnpCRD := readCRD(t, "testdata/crd/v3.32.1/projectcalico.org_globalnetworkpolicies.yaml")
	inputs, err := randir.PlatformExamples()
	if err != nil {
		t.Fatal(err)
	}
	for seed := range int64(100) {
		p, _ := randir.Generate(seed, 8)
		inputs[fmt.Sprintf("seed %d", seed)] = randir.WithCluster(randir.EgressOnly(p), seed)
	}
	checked, actions := 0, map[string]int{}
	for _, mode := range calicoModes(t)[1:] {
		for name, p := range inputs {
			objs, _, err := calico.Build(p, calico.Options{Version: mode.version})
			if err != nil {
				t.Fatalf("%s %s: %v", mode.name, name, err)
			}
			for _, tier := range objs.Tiers {
				for _, e := range tierCRD.ValidateValue(&tier) {
					t.Errorf("%s %s: tier %s: %s", mode.name, name, tier.Name, e)
				}
			}
			for _, g := range objs.GlobalNetworkPolicies {
				checked++
				rules := append(g.Spec.Ingress, g.Spec.Egress...)
				for _, r := range rules {
					actions[r.Action]++
				}
				for _, e := range gnpCRD.ValidateValue(&g) {
					t.Errorf("%s %s: %s: %s", mode.name, name, g.Name, e)
				}
				for _, e := range validatorRules(g.Name, g.Spec.Tier, rules) {
					t.Errorf("%s %s: %s: %s", mode.name, name, g.Name, e)
				}
			}
		}
	}
	if checked < 100 || actions[calicoapi.ActionPass] == 0 || actions[calicoapi.ActionDeny] == 0 || actions[calicoapi.ActionAllow] == 0 {
		t.Errorf("only %d GlobalNetworkPolicies checked, rules by action %v", checked, actions)
	}
}

func readCRD(t *testing.T, path string) *crdcheck.CRD {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	crd, err := crdcheck.Parse(data, "v3")
	if err != nil {
		t.Fatal(err)
	}
	return crd
}

func validatorRules(name, tier string, rules []calicoapi.Rule) []string {
	var errs []string
	if tier != "" && !strings.HasPrefix(name, tier+".") { // before 3.29: the default tier
		errs = append(errs, "name lacks the tier prefix")
	}
	for _, r := range rules {
		for _, e := range []*calicoapi.EntityRule{r.Source, r.Destination} {
			if e == nil {
				continue
			}
			if len(e.Ports) > 0 && r.Protocol != portset.TCP.String() && r.Protocol != portset.UDP.String() && r.Protocol != portset.SCTP.String() {
				errs = append(errs, "ports without TCP, UDP or SCTP")
			}
			for _, p := range e.Ports {
				if first, last, ok := strings.Cut(p.StrVal, ":"); ok {
					a, _ := strconv.Atoi(first)
					b, _ := strconv.Atoi(last)
					if a < 1 || b > 65535 || b < a {
						errs = append(errs, "bad range "+p.StrVal)
					}
				}
			}
			for _, h := range e.NotNets {
				hole := netip.MustParsePrefix(h)
				inside := false
				for _, n := range e.Nets {
					p := netip.MustParsePrefix(n)
					inside = inside || (p.Bits() < hole.Bits() && p.Contains(hole.Addr()))
				}
				if !inside {
					errs = append(errs, "notNets "+h+" outside every net")
				}
			}
		}
	}
	return errs
}

type calicoMode struct {
	name    string
	version calicoapi.Version
}

// calicoModes are the releases whose output differs (tiers from
// calicoapi.TiersSince) and the default; the API mode (calico-api) does
// not change the objects. The v3 CRDs exist from 3.32 only, but the
// Calico API server validates the same projectcalico.org/v3 types, so
// the 3.32.1 CRDs stand for it too: an older release with fewer fields
// would reject a field the emitter writes, which the golden files pin.
func calicoModes(t *testing.T) []calicoMode {
	t.Helper()
	var out []calicoMode
	for _, s := range []string{"3.28", calicoapi.TiersSince.String(), calicoapi.DefaultVersion} {
		v, err := calicoapi.ParseVersion(s)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, calicoMode{"calico " + s, v})
	}
	return out
}
