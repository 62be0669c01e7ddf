package cilium

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

	"github.com/netpolc/netpolc/emitters/cilium/ciliumapi"
	"github.com/netpolc/netpolc/internal/ir"
	. "github.com/netpolc/netpolc/internal/testkit/irfix"
	"github.com/netpolc/netpolc/internal/testkit/randir"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// render runs the whole emitter and packs its files (or its error, and its
// warnings) into a txtar archive.
func render(t *testing.T, p *ir.Policy, opts Options) []byte {
	t.Helper()
	var ar txtar.Archive
	pols, warns, err := Build(p, opts)
	if err != nil {
		ar.Comment = []byte("error:\n" + err.Error() + "\n")
		return txtar.Format(&ar)
	}
	for _, w := range warns {
		ar.Comment = append(ar.Comment, "warning: "+w.String()+"\n"...)
	}
	files, err := Files(pols)
	if err != nil {
		t.Fatalf("Files: %v", err)
	}
	for _, f := range files {
		ar.Files = append(ar.Files, txtar.File{Name: f.Path, Data: f.Data})
	}
	return txtar.Format(&ar)
}

// goldenInputs are the cases and every example, with the options to
// render them with.
func goldenInputs(t *testing.T) map[string]*ir.Policy {
	t.Helper()
	ex, err := randir.Examples()
	if err != nil {
		t.Fatal(err)
	}
	in := map[string]*ir.Policy{}
	for name, p := range ex {
		in["example-"+name] = p
	}
	for name, p := range randir.Cases() {
		in[name] = p
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
		return &ir.Policy{Isolations: []ir.Isolation{Isolate(API, ir.Egress, 1)}, Rules: []ir.Rule{Allow(API, ir.Egress, p, 20, ports...)}}
	}
	tests := []struct {
		name string
		in   *ir.Policy
		is   error
		want string
	}{
		{"deny rule", &ir.Policy{Isolations: []ir.Isolation{Isolate(API, ir.Egress, 1)},
			Rules: []ir.Rule{{Subject: API, Direction: ir.Egress, Peer: Everyone, Action: ir.Deny, Origin: At(20)}}},
			ErrUnsupported, `intents/shop.cue:20:3: egress rule of shop/api: action "Deny"`},
		{"no isolation", &ir.Policy{Rules: []ir.Rule{Allow(API, ir.Egress, Everyone, 20)}}, ErrUnsupported, "no isolation"},
		{"ingress fqdn", &ir.Policy{Isolations: []ir.Isolation{Isolate(API, ir.Ingress, 1)},
			Rules: []ir.Rule{Allow(API, ir.Ingress, ir.Peer{Kind: ir.PeerFQDN, FQDN: "x.example"}, 20)}},
			ErrUnsupported, "egress only"},
		{"bad cidr", oneRule(CIDR("10.0.0.1/8")), ErrInvalid, "not in canonical form"},
		{"except outside", oneRule(CIDR("10.0.0.0/8", "192.168.0.0/16")), ErrInvalid, "must lie strictly inside"},
		{"bad port", oneRule(Everyone, TCP(70000)), ErrInvalid, "invalid port 70000"},
		{"bad range", oneRule(Everyone, Span(TCP(90), 80)), ErrInvalid, "endPort 80: must not be below port 90"},
		{"bad selector", oneRule(LocalPods(map[string]string{"app": "a b"})), ErrInvalid, "podSelector"},
		{"bad fqdn", oneRule(ir.Peer{Kind: ir.PeerFQDN, FQDN: "-x"}), ErrInvalid, "FQDN"},
		{"name collision", &ir.Policy{Isolations: []ir.Isolation{
			Isolate(Subject("shop", "web", App("web")), ir.Ingress, 1),
			Isolate(Subject("shop", "web", App("web2")), ir.Ingress, 2)}}, ErrInvalid, "two subjects with different selectors"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pols, warns, err := Build(tt.in, Options{})
			if err == nil || pols != nil || warns != nil {
				t.Fatalf("Build = %v, %v, %v; want only an error", pols, warns, err)
			}
			if !errors.Is(err, tt.is) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q: want %v containing %q", err, tt.is, tt.want)
			}
		})
	}
}

func TestFilesErrors(t *testing.T) {
	ok := ciliumapi.CiliumNetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "a"}}
	for name, pols := range map[string][]ciliumapi.CiliumNetworkPolicy{
		"path in name":      {{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "../etc"}}},
		"path in namespace": {{ObjectMeta: metav1.ObjectMeta{Namespace: "../x", Name: "a"}}},
		"duplicate":         {ok, ok},
	} {
		if _, err := Files(pols); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: Files error %v, want ErrInvalid", name, err)
		}
	}
}

func ExampleBuild() {
	p := &ir.Policy{
		Isolations: []ir.Isolation{Isolate(Web, ir.Ingress, 1)},
		Rules:      []ir.Rule{Allow(Web, ir.Ingress, Workload("shop", "gateway"), 2, TCP(8080))},
	}
	pols, _, err := Build(p, Options{})
	if err != nil {
		panic(err)
	}
	files, _ := Files(pols)
	fmt.Printf("%s", files[0].Data)
	// Output:
	// # Code generated by netpolc. DO NOT EDIT.
	// # from intents/shop.cue:1:3
	// # from intents/shop.cue:2:3
	// apiVersion: cilium.io/v2
	// kind: CiliumNetworkPolicy
	// metadata:
	//   annotations:
	//     netpolc.dev/origins: intents/shop.cue:1:3; intents/shop.cue:2:3
	//   labels:
	//     app.kubernetes.io/managed-by: netpolc
	//   name: shop-web
	//   namespace: shop
	// spec:
	//   endpointSelector:
	//     matchLabels:
	//       app: web
	//   ingress:
	//   - fromEndpoints:
	//     - matchLabels:
	//         app: gateway
	//         k8s:io.kubernetes.pod.namespace: shop
	//     toPorts:
	//     - ports:
	//       - port: "8080"
	//         protocol: TCP
}
