package cilium

import (
	"fmt"
	"net/netip"
	"os"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/netpolc/netpolc/emitters/cilium/ciliumapi"
	"github.com/netpolc/netpolc/internal/crdcheck"
	"github.com/netpolc/netpolc/internal/testkit/randir"
)

// TestSchema validates every object the golden inputs and random policies
// produce, for the oldest, one middle and the default Cilium release and
// with per-destination named ports, against the CRD's schema rules
// (testdata/crd: the upstream CiliumNetworkPolicy and
// CiliumClusterwideNetworkPolicy CRDs of v1.20.2) with
// the API server's own validation code (internal/crdcheck:
// structural schema, OpenAPI validator, metadata, no field the schema
// would prune), plus the rules the schema states in prose: one kind of
// peer per rule, holes inside their CIDR.
func TestSchema(t *testing.T) {
	crd := upstreamCRD(t, cnpCRD)
	ccnp := upstreamCRD(t, ccnpCRD)
	checked, clusterwide := 0, 0
	check := func(name string, pols []ciliumapi.CiliumNetworkPolicy) {
		for _, pol := range pols {
			checked++
			obj, c := pol, crd
			obj.APIVersion, obj.Kind = ciliumapi.APIVersion, ciliumapi.Kind
			if pol.Namespace == "" {
				obj.Kind, c = ciliumapi.KindClusterwide, ccnp
				clusterwide++
			}
			for _, e := range c.ValidateValue(&obj) {
				t.Errorf("%s: %s/%s: %s", name, pol.Namespace, pol.Name, e)
			}
			for _, e := range proseRules(&pol) {
				t.Errorf("%s: %s/%s: %s", name, pol.Namespace, pol.Name, e)
			}
		}
	}
	inputs := goldenInputs(t)
	for seed := range int64(100) {
		inputs[fmt.Sprintf("seed %d", seed)], _ = randir.Generate(seed, 8)
		// Random platform layers: those cilium builds (the others are
		// refused) give CiliumClusterwideNetworkPolicies.
		p, _ := randir.Generate(seed, 4)
		if q := randir.WithCluster(randir.EgressOnly(p), seed); func() bool { _, _, err := Build(q, Options{}); return err == nil }() {
			inputs[fmt.Sprintf("seed %d platform", seed)] = q
		}
	}
	for _, opts := range ciliumOptions() {
		for name, p := range inputs {
			pols, _, err := Build(p, opts)
			if err != nil {
				if opts.Version == ciliumapi.DefaultVersion {
					t.Fatalf("%s: %v", name, err)
				}
				continue // an older release refuses some named ports
			}
			check(fmt.Sprintf("%s (cilium %s, per-destination %v)", name, opts.Version, opts.EgressNamedPortsPerDestination), pols)
		}
	}
	if checked < 100*len(ciliumOptions()) || clusterwide < 5*len(ciliumOptions()) {
		t.Errorf("only %d policies checked, %d of them clusterwide", checked, clusterwide)
	}
}

// ciliumOptions are the option combinations whose output can differ.
func ciliumOptions() []Options {
	var out []Options
	for _, v := range []ciliumapi.Version{ciliumapi.MinVersion, {Major: 1, Minor: 19}, ciliumapi.DefaultVersion} {
		for _, perDst := range []bool{false, true} {
			out = append(out, Options{AllowApproximate: true, Version: v, EgressNamedPortsPerDestination: perDst})
		}
	}
	return out
}

// The upstream CRDs of the default release (testdata/crd/README.md).
const (
	cnpCRD  = "testdata/crd/v1.20.2/ciliumnetworkpolicies.yaml"
	ccnpCRD = "testdata/crd/v1.20.2/ciliumclusterwidenetworkpolicies.yaml"
)

// upstreamCRD is an upstream CRD file, compiled for validation.
func upstreamCRD(t *testing.T, file string) *crdcheck.CRD {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	c, err := crdcheck.Parse(data, "v2")
	if err != nil {
		t.Fatal(err)
	}
	return c
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

// TestSchemaCatches proves TestSchema cannot pass vacuously: the upstream
// CRD rejects an unknown field and an entity outside its enum.
func TestSchemaCatches(t *testing.T) {
	crd := upstreamCRD(t, cnpCRD)
	var obj map[string]any
	doc := `
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: p, namespace: shop}
spec:
  endpointSelector: {matchLabels: {app: web}}
  egress: [{toEntities: [everywhere], bogus: 1}]
`
	if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range crd.Validate(obj) {
		if !strings.Contains(e.Error(), "CEL not run") {
			got = append(got, e.Error())
		}
	}
	want := []string{"spec.egress[0].bogus: unknown field", "spec.egress[0].toEntities[0]: schema Unsupported value"}
	if len(got) != len(want) {
		t.Fatalf("errors:\n%s\nwant %d", strings.Join(got, "\n"), len(want))
	}
	for i, w := range want {
		if !strings.HasPrefix(got[i], w) {
			t.Errorf("error %d = %q, want prefix %q", i, got[i], w)
		}
	}
}
