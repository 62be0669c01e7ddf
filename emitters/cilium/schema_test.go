package cilium

import (
	"net/netip"
	"os"
	"testing"

	"github.com/netpolc/netpolc/emitters/cilium/ciliumapi"
	"github.com/netpolc/netpolc/internal/testkit/crdschema"
	"github.com/netpolc/netpolc/internal/testkit/randir"
)

// TestSchema validates every object the golden inputs and random policies
// produce against the CRD's schema rules, plus the rules the schema states
// in prose: one kind of peer per rule, holes inside their CIDR.
func TestSchema(t *testing.T) {
	data, err := os.ReadFile("testdata/schema/ciliumnetworkpolicy-v2.yaml")
	if err != nil {
		t.Fatal(err)
	}
	schema, err := crdschema.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	check := func(name string, pols []ciliumapi.CiliumNetworkPolicy) {
		for _, pol := range pols {
			obj := pol
			obj.APIVersion, obj.Kind = ciliumapi.APIVersion, ciliumapi.Kind
			for _, e := range crdschema.Validate(&obj, schema) {
				t.Errorf("%s: %s/%s: %s", name, pol.Namespace, pol.Name, e)
			}
			for _, e := range proseRules(&pol) {
				t.Errorf("%s: %s/%s: %s", name, pol.Namespace, pol.Name, e)
			}
		}
	}
	for name, p := range goldenInputs(t) {
		pols, _, err := Build(p, Options{AllowApproximate: true})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		check(name, pols)
	}
	for seed := range int64(100) {
		p, _ := randir.Generate(seed, 8)
		pols, _, err := Build(p, Options{AllowApproximate: true})
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		check("random", pols)
	}
}

// proseRules checks what the CRD documents but its schema does not
// enforce.
func proseRules(pol *ciliumapi.CiliumNetworkPolicy) []string {
	var errs []string
	for _, r := range pol.Spec.Ingress {
		if count(len(r.FromEndpoints), len(r.FromEntities), len(r.FromCIDR), len(r.FromCIDRSet)) > 1 {
			errs = append(errs, "an ingress rule names more than one kind of peer")
		}
		errs = append(errs, holes(r.FromCIDRSet)...)
	}
	for _, r := range pol.Spec.Egress {
		if count(len(r.ToEndpoints), len(r.ToEntities), len(r.ToCIDR), len(r.ToCIDRSet), len(r.ToFQDNs)) > 1 {
			errs = append(errs, "an egress rule names more than one kind of peer")
		}
		errs = append(errs, holes(r.ToCIDRSet)...)
	}
	return errs
}

func count(ns ...int) int {
	c := 0
	for _, n := range ns {
		if n > 0 {
			c++
		}
	}
	return c
}

func holes(set []ciliumapi.CIDRRule) []string {
	var errs []string
	for _, c := range set {
		p := netip.MustParsePrefix(c.CIDR)
		for _, e := range c.Except {
			h := netip.MustParsePrefix(e)
			if h.Bits() <= p.Bits() || !p.Contains(h.Addr()) {
				errs = append(errs, "except "+e+" not inside "+c.CIDR)
			}
		}
	}
	return errs
}
