package calico

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

	"github.com/rogpeppe/go-internal/diff"
	"github.com/rogpeppe/go-internal/txtar"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netpolc/netpolc/emitters/calico/calicoapi"
	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/portset"
	fx "github.com/netpolc/netpolc/internal/testkit/irfix"
	"github.com/netpolc/netpolc/internal/testkit/randir"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// render runs the whole emitter and packs its files (or its error, and its
// warnings) into a txtar archive.
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
	files, err := files(objs)
	if err != nil {
		t.Fatalf("Files: %v", err)
	}
	for _, f := range files {
		ar.Files = append(ar.Files, txtar.File{Name: f.Path, Data: f.Data})
	}
	return txtar.Format(&ar)
}

// goldenInputs are the shared cases and every example, the platform
// layer's included.
func goldenInputs(t *testing.T) map[string]*ir.Policy {
	t.Helper()
	in := randir.Cases()
	for _, examples := range []func() (map[string]*ir.Policy, error){randir.Examples, randir.PlatformExamples} {
		ex, err := examples()
		if err != nil {
			t.Fatal(err)
		}
		for name, p := range ex {
			in["example-"+name] = p
		}
	}
	return in
}

func TestGolden(t *testing.T) {
	for name, p := range goldenInputs(t) {
		for _, approx := range []bool{false, true} {
			file := name
			if approx {
				if _, _, err := Build(p, Options{}); err == nil {
					continue // the same output
				}
				file += "-approximate"
			}
			t.Run(file, func(t *testing.T) {
				checkGolden(t, file, render(t, p, Options{AllowApproximate: approx}))
			})
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

// shuffled returns a copy of p with its isolations, rules and ports in
// random order.
func shuffled(p *ir.Policy, r *rand.Rand) *ir.Policy {
	q := *p
	q.Isolations = append([]ir.Isolation(nil), p.Isolations...)
	q.Rules = append([]ir.Rule(nil), p.Rules...)
	r.Shuffle(len(q.Isolations), func(i, j int) { q.Isolations[i], q.Isolations[j] = q.Isolations[j], q.Isolations[i] })
	r.Shuffle(len(q.Rules), func(i, j int) { q.Rules[i], q.Rules[j] = q.Rules[j], q.Rules[i] })
	for i := range q.Rules {
		ports := append([]ir.Port(nil), q.Rules[i].Ports...)
		r.Shuffle(len(ports), func(a, b int) { ports[a], ports[b] = ports[b], ports[a] })
		q.Rules[i].Ports = ports
	}
	return &q
}

func TestDeterministic(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for name, p := range goldenInputs(t) {
		want := render(t, p, Options{AllowApproximate: true})
		for range 10 {
			if got := render(t, shuffled(p, r), Options{AllowApproximate: true}); !bytes.Equal(got, want) {
				t.Fatalf("%s: shuffled input changed the output:\n%s", name, diff.Diff("want", want, "got", got))
			}
		}
	}
}

func TestBuildErrors(t *testing.T) {
	oneRule := func(p ir.Peer, ports ...ir.Port) *ir.Policy {
		return &ir.Policy{Isolations: []ir.Isolation{fx.Isolate(fx.API, ir.Egress, 1)}, Rules: []ir.Rule{fx.Allow(fx.API, ir.Egress, p, 20, ports...)}}
	}
	everyone := ir.Peer{Kind: ir.PeerAll}
	tests := []struct {
		name string
		in   *ir.Policy
		is   error
		want string
	}{
		{"deny rule", &ir.Policy{Isolations: []ir.Isolation{fx.Isolate(fx.API, ir.Egress, 1)},
			Rules: []ir.Rule{{Subject: fx.API, Direction: ir.Egress, Peer: everyone, Action: ir.Deny, Origin: fx.At(20)}}},
			errUnsupported, "intents/shop.cue:20:3: calico: egress rule of shop/api: action \"Deny\": cannot be expressed as a Calico policy\n" +
				"    hint: netpolc emits allow rules only"},
		{"no isolation", &ir.Policy{Rules: []ir.Rule{fx.Allow(fx.API, ir.Egress, everyone, 20)}}, errUnsupported, "no isolation"},
		{"fqdn", oneRule(ir.Peer{Kind: ir.PeerFQDN, FQDN: "x.example"}), errUnsupported,
			"FQDN peer \"x.example\": cannot be expressed as a Calico policy\n    hint: open-source Calico has no DNS-name rules; DNS names need a target with name rules: cilium (toFQDNs), or adminpolicy (domainNames"},
		{"bad subject", &ir.Policy{Isolations: []ir.Isolation{fx.Isolate(fx.Subject("Shop", "x", map[string]string{"a": "b c"}), ir.Ingress, 7)}},
			kit.ErrInvalid, "calico: ingress isolation of Shop/x: invalid namespace \"Shop\""},
		{"bad cidr", oneRule(ir.Peer{Kind: ir.PeerCIDR, CIDRs: []ir.IPBlock{{CIDR: "10.0.0.1/8"}}}), kit.ErrInvalid, "host bits set"},
		{"bad port", oneRule(everyone, ir.Port{Protocol: portset.TCP, Number: 70000}), kit.ErrInvalid, "invalid port 70000"},
		{"bad selector", oneRule(ir.Peer{Kind: ir.PeerPods, Pods: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "a'b"}}}),
			kit.ErrInvalid, "podSelector"},
		{"name collision", &ir.Policy{
			Isolations: []ir.Isolation{fx.Isolate(fx.API, ir.Egress, 1), fx.Isolate(fx.Subject("shop", "api", map[string]string{"app": "x"}), ir.Egress, 2)},
			Rules: []ir.Rule{fx.Allow(fx.API, ir.Egress, everyone, 3),
				fx.Allow(fx.Subject("shop", "api", map[string]string{"app": "x"}), ir.Egress, everyone, 4)}},
			kit.ErrInvalid, "share it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs, warns, err := Build(tt.in, Options{})
			if err == nil || objs != nil || warns != nil {
				t.Fatalf("Build = %v, %v, %v; want only an error", objs, warns, err)
			}
			if !errors.Is(err, tt.is) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q: want %v containing %q", err, tt.is, tt.want)
			}
		})
	}
}

func TestSelector(t *testing.T) {
	tests := []struct {
		Sel  *metav1.LabelSelector
		want string
	}{
		{nil, "all()"},
		{&metav1.LabelSelector{}, "all()"},
		{&metav1.LabelSelector{MatchLabels: map[string]string{"tier": "a", "app": "web"}}, "app == 'web' && tier == 'a'"},
		{&metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
			{Key: "tier", Operator: metav1.LabelSelectorOpIn, Values: []string{"b", "a"}},
			{Key: "env", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"dev"}},
			{Key: "team", Operator: metav1.LabelSelectorOpExists},
			{Key: "legacy", Operator: metav1.LabelSelectorOpDoesNotExist},
		}}, "env != 'dev' && !has(legacy) && has(team) && tier in {'a', 'b'}"},
		// Printed canonically: repeats once, value sets sorted before
		// the requirements are.
		{&metav1.LabelSelector{MatchLabels: map[string]string{"k": "v", "z": "y"}, MatchExpressions: []metav1.LabelSelectorRequirement{
			{Key: "k", Operator: metav1.LabelSelectorOpIn, Values: []string{"v"}},
			{Key: "t", Operator: metav1.LabelSelectorOpIn, Values: []string{"b", "a"}},
			{Key: "t", Operator: metav1.LabelSelectorOpIn, Values: []string{"a", "c"}},
			{Key: "t", Operator: metav1.LabelSelectorOpIn, Values: []string{"a", "b", "a"}},
		}}, "k == 'v' && z == 'y' && t in {'a', 'b'} && t in {'a', 'c'}"},
	}
	for _, tt := range tests {
		if got := Selector(tt.Sel); got != tt.want {
			t.Errorf("Selector(%v) = %q, want %q", tt.Sel, got, tt.want)
		}
	}
	ns := &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": "shop"}}
	if got := namespaceSelector(ns); got != "projectcalico.org/name == 'shop'" {
		t.Errorf("NamespaceSelector = %q", got)
	}
}

func TestFilesErrors(t *testing.T) {
	ok := calicoapi.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "a"}}
	for name, objs := range map[string]*calicoapi.Objects{
		"path in name":      {NetworkPolicies: []calicoapi.NetworkPolicy{{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "../etc"}}}},
		"path in namespace": {NetworkPolicies: []calicoapi.NetworkPolicy{{ObjectMeta: metav1.ObjectMeta{Namespace: "../x", Name: "a"}}}},
		"duplicate":         {NetworkPolicies: []calicoapi.NetworkPolicy{ok, ok}},
		"no namespace":      {NetworkPolicies: []calicoapi.NetworkPolicy{{ObjectMeta: metav1.ObjectMeta{Name: "a"}}}},
	} {
		if _, err := files(objs); !errors.Is(err, kit.ErrInvalid) {
			t.Errorf("%s: Files error %v, want kit.ErrInvalid", name, err)
		}
	}
}

func ExampleBuild() {
	web := fx.Subject("shop", "web", map[string]string{"app": "web"})
	gateway := ir.Peer{Kind: ir.PeerWorkload, Ref: "shop/gateway",
		Pods: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "gateway"}}}
	p := &ir.Policy{
		Isolations: []ir.Isolation{fx.Isolate(web, ir.Ingress, 1)},
		Rules:      []ir.Rule{fx.Allow(web, ir.Ingress, gateway, 2, ir.Port{Protocol: portset.TCP, Number: 8080})},
	}
	objs, _, err := Build(p, Options{})
	if err != nil {
		panic(err)
	}
	files, _ := files(objs)
	for _, f := range files {
		fmt.Println(f.Path)
	}
	fmt.Printf("%s", files[2].Data)
	// Output:
	// calico/cluster/netpolc.yaml
	// calico/shop/netpolc.shop-ingress-default-deny.yaml
	// calico/shop/netpolc.shop-web.yaml
	// # Code generated by netpolc. DO NOT EDIT.
	// # from intents/shop.cue:2:3
	// apiVersion: projectcalico.org/v3
	// kind: NetworkPolicy
	// metadata:
	//   annotations:
	//     netpolc.dev/origins: intents/shop.cue:2:3
	//   labels:
	//     app.kubernetes.io/managed-by: netpolc
	//   name: netpolc.shop-web
	//   namespace: shop
	// spec:
	//   ingress:
	//   - action: Allow
	//     destination:
	//       ports:
	//       - 8080
	//     protocol: TCP
	//     source:
	//       selector: projectcalico.org/orchestrator == 'k8s' && app == 'gateway'
	//   order: 100
	//   selector: app == 'web'
	//   tier: netpolc
	//   types:
	//   - Ingress
}
