package calico_test

import (
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/netpolc/netpolc/emitters/calico"
	"github.com/netpolc/netpolc/emitters/calico/calicoapi"
	"github.com/netpolc/netpolc/internal/portset"
	"github.com/netpolc/netpolc/internal/testkit/crdschema"
	"github.com/netpolc/netpolc/internal/testkit/randir"
)

// TestSchema validates every object the examples, the shared cases and
// random policies produce against Calico's validation rules, plus the
// rules its validator states in code: ports only with TCP, UDP or SCTP;
// ranges ascending; policy names carrying their tier's prefix; notNets
// inside nets of the same family. That the selectors parse is checked by
// the interpreter's tests (enforcer/calico), with its own parser.
func TestSchema(t *testing.T) {
	data, err := os.ReadFile("testdata/schema/projectcalico-v3.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var schemas map[string]crdschema.Schema
	if err := yaml.Unmarshal(data, &schemas); err != nil {
		t.Fatal(err)
	}
	check := func(name string, objs *calicoapi.Objects) {
		for _, tier := range objs.Tiers {
			for _, e := range crdschema.Validate(&tier, schemas["tier"]) {
				t.Errorf("%s: tier %s: %s", name, tier.Name, e)
			}
		}
		for _, np := range objs.NetworkPolicies {
			errs := crdschema.Validate(&np, schemas["networkPolicy"])
			errs = append(errs, validatorRules(&np)...)
			for _, e := range errs {
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
	for name, p := range inputs {
		objs, _, err := calico.Build(p, calico.Options{AllowApproximate: true})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		check(name, objs)
	}
}

func validatorRules(np *calicoapi.NetworkPolicy) []string {
	var errs []string
	if !strings.HasPrefix(np.Name, np.Spec.Tier+".") {
		errs = append(errs, "name lacks the tier prefix")
	}
	for _, r := range append(np.Spec.Ingress, np.Spec.Egress...) {
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
