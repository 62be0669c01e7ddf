package networkpolicy

import (
	"bytes"
	"flag"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/internal/portset"

	"github.com/rogpeppe/go-internal/diff"
	"github.com/rogpeppe/go-internal/txtar"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netpolc/netpolc/internal/ir"
	. "github.com/netpolc/netpolc/internal/testkit/irfix"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// goldenCases are IR inputs whose output is kept in testdata/<name>.golden.
var goldenCases = map[string]*ir.Policy{
	"isolation-only": {Isolations: []ir.Isolation{
		Isolate(All, ir.Ingress, 1), Isolate(All, ir.Egress, 2),
	}},
	"ingress-egress": {
		Isolations: []ir.Isolation{Isolate(Web, ir.Ingress, 1), Isolate(Web, ir.Egress, 1)},
		Rules: []ir.Rule{
			Allow(Web, ir.Ingress, LocalPods(App("gateway")), 5, TCP(8080)),
			Allow(Web, ir.Egress, LocalPods(App("api")), 6, TCP(9000)),
		},
	},
	"merged-rules": {
		Isolations: []ir.Isolation{Isolate(API, ir.Ingress, 1)},
		Rules: []ir.Rule{
			Allow(API, ir.Ingress, LocalPods(App("web")), 10, TCP(8443), TCP(8080)),
			Allow(API, ir.Ingress, LocalPods(App("gateway")), 11, TCP(8080), TCP(8443), TCP(8080)),
			Allow(API, ir.Ingress, LocalPods(App("web")), 12, TCP(8443), TCP(8080)),
			Allow(API, ir.Ingress, Workload("monitoring", "prometheus"), 13, TCP(9090)),
			Allow(API, ir.Ingress, LocalPods(App("debug")), 14),
		},
	},
	"peer-all-subsumes": {
		Isolations: []ir.Isolation{Isolate(Web, ir.Ingress, 1)},
		Rules: []ir.Rule{
			Allow(Web, ir.Ingress, LocalPods(App("gateway")), 3, TCP(443)),
			Allow(Web, ir.Ingress, Everyone, 4, TCP(443)),
			Allow(Web, ir.Ingress, LocalPods(App("gateway")), 5, TCP(8443)),
		},
	},
	"namespaces": {
		Isolations: []ir.Isolation{Isolate(API, ir.Ingress, 1)},
		Rules: []ir.Rule{
			Allow(API, ir.Ingress, LocalPods(App("web")), 3, TCP(80)),
			Allow(API, ir.Ingress, Workload("other", "client"), 4, TCP(80)),
			Allow(API, ir.Ingress, ir.Peer{Kind: ir.PeerPods, Namespaces: Sel(map[string]string{"team": "shop"})}, 5, TCP(80)),
			Allow(API, ir.Ingress, ir.Peer{Kind: ir.PeerPods, Namespaces: Sel(nil), Pods: Sel(App("probe"))}, 6, TCP(80)),
			Allow(API, ir.Ingress, ir.Peer{Kind: ir.PeerPods}, 7, TCP(81)),
			Allow(API, ir.Ingress, ir.Peer{Kind: ir.PeerPods, Namespaces: &metav1.LabelSelector{
				MatchExpressions: []metav1.LabelSelectorRequirement{
					{Key: "tier", Operator: metav1.LabelSelectorOpIn, Values: []string{"b", "a", "b"}},
					{Key: "env", Operator: metav1.LabelSelectorOpExists},
				}}, Pods: Sel(nil)}, 8, TCP(82)),
		},
	},
	"cidr-except": {
		Isolations: []ir.Isolation{Isolate(API, ir.Egress, 1)},
		Rules: []ir.Rule{
			Allow(API, ir.Egress, CIDR("10.0.0.0/8", "10.1.0.0/16", "10.0.0.0/16", "10.1.0.0/16"), 3, TCP(443)),
			Allow(API, ir.Egress, CIDR("2001:db8::/32", "2001:db8:1::/48"), 4, TCP(443)),
		},
	},
	"world": {
		Isolations: []ir.Isolation{Isolate(Web, ir.Egress, 1), Isolate(API, ir.Egress, 1)},
		Rules: []ir.Rule{
			Allow(Web, ir.Egress, ir.Peer{Kind: ir.PeerWorld, CIDRs: []ir.IPBlock{{CIDR: "0.0.0.0/0"}, {CIDR: "::/0"}}}, 3, TCP(443)),
			Allow(API, ir.Egress, ir.Peer{Kind: ir.PeerWorld}, 4),
		},
	},
	"dns": {
		Isolations: []ir.Isolation{Isolate(All, ir.Egress, 1)},
		Rules:      []ir.Rule{Allow(All, ir.Egress, DNS, 2, UDP(53), TCP(53))},
	},
	"named-ports": {
		Isolations: []ir.Isolation{Isolate(API, ir.Ingress, 1)},
		Rules: []ir.Rule{
			Allow(API, ir.Ingress, LocalPods(App("web")), 3, Named("http"), Named("grpc")),
			Allow(API, ir.Ingress, Workload("monitoring", "prometheus"), 4, Named("metrics")),
		},
	},
	"port-ranges": {
		Isolations: []ir.Isolation{Isolate(API, ir.Egress, 1)},
		Rules: []ir.Rule{
			Allow(API, ir.Egress, CIDR("192.168.0.0/16"), 3, Span(TCP(8000), 8100), Span(UDP(30000), 32767), Span(TCP(9000), 9000)),
		},
	},
	"sctp": {
		Isolations: []ir.Isolation{Isolate(API, ir.Ingress, 1)},
		Rules: []ir.Rule{
			Allow(API, ir.Ingress, LocalPods(App("web")), 3, ir.Port{Protocol: portset.SCTP, Number: 9000}, TCP(80)),
		},
	},
	"protocol-only": {
		// "SCTP" in intents: every SCTP port, no port field.
		Isolations: []ir.Isolation{Isolate(API, ir.Ingress, 1)},
		Rules: []ir.Rule{
			Allow(API, ir.Ingress, LocalPods(App("web")), 3, ir.Port{Protocol: portset.SCTP}, UDP(53)),
		},
	},
	"shared-selector": {
		// Two subject names for one selector make one policy, named after
		// the smaller name.
		Isolations: []ir.Isolation{Isolate(Web, ir.Ingress, 1), Isolate(Subject("shop", "frontend", App("web")), ir.Ingress, 2)},
	},
}

// render runs the whole emitter and packs its files into a txtar archive.
func render(t *testing.T, p *ir.Policy) []byte {
	t.Helper()
	pols, err := Build(p)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	files, err := Files(pols)
	if err != nil {
		t.Fatalf("Files: %v", err)
	}
	var ar txtar.Archive
	for _, f := range files {
		ar.Files = append(ar.Files, txtar.File{Name: f.Path, Data: f.Data})
	}
	return txtar.Format(&ar)
}

func TestGolden(t *testing.T) {
	for name, p := range goldenCases {
		t.Run(name, func(t *testing.T) {
			got := render(t, p)
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
		})
	}
}

// shuffled returns a copy of p with its isolations, rules, ports and
// except lists in random order.
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
	for name, p := range goldenCases {
		want := render(t, p)
		for range 20 {
			if got := render(t, shuffled(p, r)); !bytes.Equal(got, want) {
				t.Fatalf("%s: shuffled input changed the output:\n%s", name, diff.Diff("want", want, "got", got))
			}
		}
	}
}

func TestBuildDoesNotModifyInput(t *testing.T) {
	p := goldenCases["namespaces"]
	before := render(t, p)
	expr := p.Rules[5].Peer.Namespaces.MatchExpressions[0].Values
	if strings.Join(expr, ",") != "b,a,b" {
		t.Fatalf("Build sorted the IR's selector values in place: %v", expr)
	}
	if after := render(t, p); !bytes.Equal(before, after) {
		t.Fatal("second run differs")
	}
}
