package adminpolicy

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/internal/portset"

	"github.com/rogpeppe/go-internal/diff"
	"github.com/rogpeppe/go-internal/txtar"

	"github.com/netpolc/netpolc/emitters/adminpolicy/adminapi"
	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/internal/crdcheck/npapi"
	"github.com/netpolc/netpolc/internal/ir"
	. "github.com/netpolc/netpolc/internal/testkit/irfix"
	"github.com/netpolc/netpolc/internal/testkit/randir"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func render(t *testing.T, p *ir.Policy, opts Options) []byte {
	t.Helper()
	var ar txtar.Archive
	objs, warns, err := Build(p, opts)
	if err != nil {
		ar.Comment = []byte("error:\n" + err.Error() + "\n")
		return txtar.Format(&ar)
	}
	for _, w := range warns {
		ar.Comment = append(ar.Comment, "warning: "+w.String()+"\n"...)
	}
	files, err := Files(objs)
	if err != nil {
		t.Fatalf("Files: %v", err)
	}
	for _, f := range files {
		ar.Files = append(ar.Files, txtar.File{Name: f.Path, Data: f.Data})
	}
	return txtar.Format(&ar)
}

// goldenInputs are the shared cases and every example, each also
// restricted to egress (the admin API cannot isolate ingress).
func goldenInputs(t *testing.T) map[string]*ir.Policy {
	t.Helper()
	ex, err := randir.Examples()
	if err != nil {
		t.Fatal(err)
	}
	in := map[string]*ir.Policy{}
	for name, p := range randir.Cases() {
		in[name] = p
	}
	for name, p := range ex {
		in["example-"+name] = p
		in["example-"+name+"-egress"] = randir.EgressOnly(p)
	}
	platform, err := randir.PlatformExamples()
	if err != nil {
		t.Fatal(err)
	}
	for name, p := range platform {
		in["example-"+name] = p
	}
	return in
}

// goldenAPIs are the API versions and channels the golden files cover,
// with their file suffixes; an experimental one is written only where its
// output differs from the standard one's.
var goldenAPIs = []struct {
	suffix string
	api    adminapi.API
	same   string // the suffix of the output it usually equals
}{
	{"", adminapi.API{}, ""},
	{"-experimental", adminapi.API{Channel: adminapi.Experimental}, ""},
	{"-v1alpha1", v1alpha1Standard, "-v1alpha1"},
	{"-v1alpha1-experimental", v1alpha1Experimental, "-v1alpha1"},
}

func TestGolden(t *testing.T) {
	for name, p := range goldenInputs(t) {
		outputs := map[string][]byte{}
		for _, g := range goldenAPIs {
			for _, approx := range []bool{false, true} {
				file := name + g.suffix
				if approx {
					if _, _, err := Build(p, Options{API: g.api}); err == nil || !strings.Contains(err.Error(), "allow-approximate") {
						continue // the same output
					}
					file += "-approximate"
				}
				got := render(t, p, Options{API: g.api, AllowApproximate: approx})
				key := g.same
				if approx {
					key += "-approximate"
				}
				if g.api.Experimental() && bytes.Equal(got, outputs[key]) {
					continue
				}
				outputs[g.suffix+strings.TrimPrefix(file, name+g.suffix)] = got
				t.Run(file, func(t *testing.T) { checkGolden(t, file, got) })
			}
		}
	}
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	for _, noise := range []string{"creationTimestamp", "status:", "null"} {
		if bytes.Contains(got, []byte(noise)) {
			t.Errorf("output contains %q:\n%s", noise, got)
		}
	}
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (go test -update rewrites it):\n%s", path, diff.Diff(path, want, "got", got))
	}
}

func TestDeterministic(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for name, p := range goldenInputs(t) {
		api := adminapi.API{}
		if strings.HasSuffix(name, "egress") {
			api = v1alpha1Standard // narrowed named ports: one warning per rule, in a fixed order
		}
		want := render(t, p, Options{API: api, AllowApproximate: true})
		for range 10 {
			q := *p
			q.Isolations = append([]ir.Isolation(nil), p.Isolations...)
			q.Rules = append([]ir.Rule(nil), p.Rules...)
			r.Shuffle(len(q.Isolations), func(i, j int) { q.Isolations[i], q.Isolations[j] = q.Isolations[j], q.Isolations[i] })
			r.Shuffle(len(q.Rules), func(i, j int) { q.Rules[i], q.Rules[j] = q.Rules[j], q.Rules[i] })
			if got := render(t, &q, Options{API: api, AllowApproximate: true}); !bytes.Equal(got, want) {
				t.Fatalf("%s: shuffled input changed the output:\n%s", name, diff.Diff("want", want, "got", got))
			}
		}
	}
}

func TestBuildErrors(t *testing.T) {
	everyone := ir.Peer{Kind: ir.PeerAll}
	egress := func(p ir.Peer, ports ...ir.Port) *ir.Policy {
		return &ir.Policy{Isolations: []ir.Isolation{Isolate(API, ir.Egress, 1)}, Rules: []ir.Rule{Allow(API, ir.Egress, p, 20, ports...)}}
	}
	tests := []struct {
		name string
		in   *ir.Policy
		is   error
		want string
	}{
		{"ingress isolation", &ir.Policy{Isolations: []ir.Isolation{Isolate(API, ir.Ingress, 7)}},
			errUnsupported, "intents/shop.cue:7:3: adminpolicy: ingress isolation of shop/api: cannot be expressed exactly"},
		{"deny rule", &ir.Policy{Isolations: []ir.Isolation{Isolate(API, ir.Egress, 1)},
			Rules: []ir.Rule{{Subject: API, Direction: ir.Egress, Peer: everyone, Action: ir.Deny, Origin: At(20)}}},
			errUnsupported, `action "Deny"`},
		{"no isolation", &ir.Policy{Rules: []ir.Rule{Allow(API, ir.Egress, everyone, 20)}}, errUnsupported, "no isolation"},
		{"named port of another protocol", &ir.Policy{
			Workloads:  []ir.Workload{{Namespace: "shop", Name: "dns", Labels: map[string]string{"app": "dns"}, Ports: []ir.NamedPort{{Name: "dns", Port: 53, Protocol: portset.UDP}}}},
			Isolations: []ir.Isolation{Isolate(API, ir.Egress, 1)},
			Rules:      []ir.Rule{Allow(API, ir.Egress, everyone, 20, ir.Port{Protocol: portset.TCP, Name: "dns"})}},
			errUnsupported, `workload shop/dns declares "dns" with another protocol`},
		{"bad cidr", egress(ir.Peer{Kind: ir.PeerCIDR, CIDRs: []ir.IPBlock{{CIDR: "10.0.0.1/8"}}}), kit.ErrInvalid, "host bits set"},
		{"except outside", egress(ir.Peer{Kind: ir.PeerCIDR, CIDRs: []ir.IPBlock{{CIDR: "10.0.0.0/8", Except: []string{"11.0.0.0/8"}}}}), kit.ErrInvalid, "strictly inside"},
		{"bad port", egress(everyone, ir.Port{Protocol: portset.TCP, Number: 70000}), kit.ErrInvalid, "invalid port 70000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs, warns, err := Build(tt.in, Options{AllowApproximate: tt.name == "ingress isolation"})
			if err == nil || objs != nil || warns != nil {
				t.Fatalf("Build = %v, %v, %v; want only an error", objs, warns, err)
			}
			if !errors.Is(err, tt.is) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q: want %v containing %q", err, tt.is, tt.want)
			}
		})
	}
}

// TestIngressOpenToEveryone: an isolation whose rules allow everything on
// every port isolates nothing, so it is expressible (by emitting nothing).
func TestIngressOpenToEveryone(t *testing.T) {
	p := &ir.Policy{Isolations: []ir.Isolation{Isolate(API, ir.Ingress, 1)},
		Rules: []ir.Rule{Allow(API, ir.Ingress, ir.Peer{Kind: ir.PeerAll}, 2)}}
	objs, _, err := Build(p, Options{})
	if err != nil || len(objs.ClusterNetworkPolicies) != 0 {
		t.Fatalf("Build = %+v, %v; want no object", objs, err)
	}
}

func TestPrefixes(t *testing.T) {
	got, err := prefixes(ir.IPBlock{CIDR: "10.0.0.0/8", Except: []string{"10.1.0.0/16", "10.255.255.255/32"}})
	if err != nil {
		t.Fatal(err)
	}
	want := "[10.0.0.0/16 10.2.0.0/15 10.4.0.0/14 10.8.0.0/13 10.16.0.0/12 10.32.0.0/11 10.64.0.0/10 10.128.0.0/10 10.192.0.0/11 " +
		"10.224.0.0/12 10.240.0.0/13 10.248.0.0/14 10.252.0.0/15 10.254.0.0/16 10.255.0.0/17 10.255.128.0/18 10.255.192.0/19 " +
		"10.255.224.0/20 10.255.240.0/21 10.255.248.0/22 10.255.252.0/23 10.255.254.0/24 10.255.255.0/25 10.255.255.128/26 " +
		"10.255.255.192/27 10.255.255.224/28 10.255.255.240/29 10.255.255.248/30 10.255.255.252/31 10.255.255.254/32]"
	if fmt.Sprint(got) != want {
		t.Errorf("prefixes = %v\nwant %s", got, want)
	}
}

// TestSchema validates every object the golden inputs and 100 random
// policies produce, for every API version and channel, against the
// upstream CRD of that version and channel (internal/crdcheck/npapi:
// v1alpha2 from v0.2.0, v1alpha1 from v0.1.8) with the API server's own
// validation code: schema, CEL rules, and no field the CRD would prune.
func TestSchema(t *testing.T) {
	inputs := goldenInputs(t)
	for seed := range int64(100) {
		p, _ := randir.Generate(seed, 8)
		inputs[fmt.Sprintf("seed %d", seed)] = randir.EgressOnly(p)
	}
	checked := map[adminapi.API]int{}
	for name, p := range inputs {
		for _, g := range goldenAPIs {
			objs, _, err := Build(p, Options{API: g.api, AllowApproximate: true})
			if err != nil {
				continue // ingress isolation
			}
			api := g.api.String() // "VERSION CHANNEL", defaults filled in
			version, channel, _ := strings.Cut(api, " ")
			for _, c := range objs.ClusterNetworkPolicies {
				checked[g.api]++
				validate(t, name+" "+api, version, channel, printed{c.TypeMeta, c.ObjectMeta, c.Spec})
			}
			for _, a := range objs.AdminNetworkPolicies {
				checked[g.api]++
				validate(t, name+" "+api, version, channel, printed{a.TypeMeta, a.ObjectMeta, a.Spec})
			}
		}
	}
	for _, g := range goldenAPIs {
		if checked[g.api] < 100 {
			t.Errorf("%s: only %d objects checked", g.api, checked[g.api])
		}
	}
}

func validate(t *testing.T, name, version, channel string, obj printed) {
	t.Helper()
	crd, err := npapi.CRD(version, obj.Kind, channel)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range crd.ValidateValue(&obj) {
		t.Errorf("%s: %s %s: %s", name, obj.Kind, obj.Name, e)
	}
}
