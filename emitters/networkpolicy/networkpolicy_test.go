package networkpolicy

import (
	"bytes"
	"flag"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/compiler/ir"
	"github.com/rogpeppe/go-internal/diff"
	"github.com/rogpeppe/go-internal/txtar"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// Fixture helpers: small functions that build IR pieces, so each case
// reads as the intent it stands for.

func at(line int) ir.Origin { return ir.Origin{File: "intents/shop.cue", Line: line, Col: 3} }

func subject(ns, name string, labels map[string]string) ir.Subject {
	return ir.Subject{Namespace: ns, Name: name, Pods: metav1.LabelSelector{MatchLabels: labels}}
}

func app(name string) map[string]string { return map[string]string{"app": name} }

var (
	web = subject("shop", "web", app("web"))
	api = subject("shop", "api", app("api"))
	all = subject("shop", "all-pods", nil)
)

func isolate(s ir.Subject, d ir.Direction, line int) ir.Isolation {
	return ir.Isolation{Subject: s, Direction: d, Origin: at(line)}
}

func allow(s ir.Subject, d ir.Direction, p ir.Peer, line int, ports ...ir.Port) ir.Rule {
	return ir.Rule{Subject: s, Direction: d, Peer: p, Ports: ports, Action: ir.Allow, Origin: at(line)}
}

func sel(labels map[string]string) *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchLabels: labels}
}

// localPods is a peer in the subject's own namespace.
func localPods(labels map[string]string) ir.Peer {
	return ir.Peer{Kind: ir.PeerPods, Pods: sel(labels)}
}

func workload(ns, name string) ir.Peer {
	return ir.Peer{Kind: ir.PeerWorkload, Namespaces: sel(map[string]string{"kubernetes.io/metadata.name": ns}),
		Pods: sel(app(name)), Ref: ns + "/" + name}
}

func cidr(c string, except ...string) ir.Peer {
	return ir.Peer{Kind: ir.PeerCIDR, CIDRs: []ir.IPBlock{{CIDR: c, Except: except}}}
}

var (
	everyone = ir.Peer{Kind: ir.PeerAll}
	dns      = ir.Peer{Kind: ir.PeerDNS, Namespaces: sel(map[string]string{"kubernetes.io/metadata.name": "kube-system"}),
		Pods: sel(map[string]string{"k8s-app": "kube-dns"})}
)

func tcp(n int32) ir.Port               { return ir.Port{Protocol: ir.TCP, Number: n} }
func udp(n int32) ir.Port               { return ir.Port{Protocol: ir.UDP, Number: n} }
func named(name string) ir.Port         { return ir.Port{Protocol: ir.TCP, Name: name} }
func span(p ir.Port, end int32) ir.Port { p.End = end; return p }

// goldenCases are IR inputs whose output is kept in testdata/<name>.golden.
var goldenCases = map[string]*ir.Policy{
	"isolation-only": {Isolations: []ir.Isolation{
		isolate(all, ir.Ingress, 1), isolate(all, ir.Egress, 2),
	}},
	"ingress-egress": {
		Isolations: []ir.Isolation{isolate(web, ir.Ingress, 1), isolate(web, ir.Egress, 1)},
		Rules: []ir.Rule{
			allow(web, ir.Ingress, localPods(app("gateway")), 5, tcp(8080)),
			allow(web, ir.Egress, localPods(app("api")), 6, tcp(9000)),
		},
	},
	"merged-rules": {
		Isolations: []ir.Isolation{isolate(api, ir.Ingress, 1)},
		Rules: []ir.Rule{
			allow(api, ir.Ingress, localPods(app("web")), 10, tcp(8443), tcp(8080)),
			allow(api, ir.Ingress, localPods(app("gateway")), 11, tcp(8080), tcp(8443), tcp(8080)),
			allow(api, ir.Ingress, localPods(app("web")), 12, tcp(8443), tcp(8080)),
			allow(api, ir.Ingress, workload("monitoring", "prometheus"), 13, tcp(9090)),
			allow(api, ir.Ingress, localPods(app("debug")), 14),
		},
	},
	"peer-all-subsumes": {
		Isolations: []ir.Isolation{isolate(web, ir.Ingress, 1)},
		Rules: []ir.Rule{
			allow(web, ir.Ingress, localPods(app("gateway")), 3, tcp(443)),
			allow(web, ir.Ingress, everyone, 4, tcp(443)),
			allow(web, ir.Ingress, localPods(app("gateway")), 5, tcp(8443)),
		},
	},
	"namespaces": {
		Isolations: []ir.Isolation{isolate(api, ir.Ingress, 1)},
		Rules: []ir.Rule{
			allow(api, ir.Ingress, localPods(app("web")), 3, tcp(80)),
			allow(api, ir.Ingress, workload("other", "client"), 4, tcp(80)),
			allow(api, ir.Ingress, ir.Peer{Kind: ir.PeerPods, Namespaces: sel(map[string]string{"team": "shop"})}, 5, tcp(80)),
			allow(api, ir.Ingress, ir.Peer{Kind: ir.PeerPods, Namespaces: sel(nil), Pods: sel(app("probe"))}, 6, tcp(80)),
			allow(api, ir.Ingress, ir.Peer{Kind: ir.PeerPods}, 7, tcp(81)),
			allow(api, ir.Ingress, ir.Peer{Kind: ir.PeerPods, Namespaces: &metav1.LabelSelector{
				MatchExpressions: []metav1.LabelSelectorRequirement{
					{Key: "tier", Operator: metav1.LabelSelectorOpIn, Values: []string{"b", "a", "b"}},
					{Key: "env", Operator: metav1.LabelSelectorOpExists},
				}}, Pods: sel(nil)}, 8, tcp(82)),
		},
	},
	"cidr-except": {
		Isolations: []ir.Isolation{isolate(api, ir.Egress, 1)},
		Rules: []ir.Rule{
			allow(api, ir.Egress, cidr("10.0.0.0/8", "10.1.0.0/16", "10.0.0.0/16", "10.1.0.0/16"), 3, tcp(443)),
			allow(api, ir.Egress, cidr("2001:db8::/32", "2001:db8:1::/48"), 4, tcp(443)),
		},
	},
	"world": {
		Isolations: []ir.Isolation{isolate(web, ir.Egress, 1), isolate(api, ir.Egress, 1)},
		Rules: []ir.Rule{
			allow(web, ir.Egress, ir.Peer{Kind: ir.PeerWorld, CIDRs: []ir.IPBlock{{CIDR: "0.0.0.0/0"}, {CIDR: "::/0"}}}, 3, tcp(443)),
			allow(api, ir.Egress, ir.Peer{Kind: ir.PeerWorld}, 4),
		},
	},
	"dns": {
		Isolations: []ir.Isolation{isolate(all, ir.Egress, 1)},
		Rules:      []ir.Rule{allow(all, ir.Egress, dns, 2, udp(53), tcp(53))},
	},
	"named-ports": {
		Isolations: []ir.Isolation{isolate(api, ir.Ingress, 1)},
		Rules: []ir.Rule{
			allow(api, ir.Ingress, localPods(app("web")), 3, named("http"), named("grpc")),
			allow(api, ir.Ingress, workload("monitoring", "prometheus"), 4, named("metrics")),
		},
	},
	"port-ranges": {
		Isolations: []ir.Isolation{isolate(api, ir.Egress, 1)},
		Rules: []ir.Rule{
			allow(api, ir.Egress, cidr("192.168.0.0/16"), 3, span(tcp(8000), 8100), span(udp(30000), 32767), span(tcp(9000), 9000)),
		},
	},
	"sctp": {
		Isolations: []ir.Isolation{isolate(api, ir.Ingress, 1)},
		Rules: []ir.Rule{
			allow(api, ir.Ingress, localPods(app("web")), 3, ir.Port{Protocol: ir.SCTP, Number: 9000}, tcp(80)),
		},
	},
	"protocol-only": {
		// "SCTP" in intents: every SCTP port, no port field.
		Isolations: []ir.Isolation{isolate(api, ir.Ingress, 1)},
		Rules: []ir.Rule{
			allow(api, ir.Ingress, localPods(app("web")), 3, ir.Port{Protocol: ir.SCTP}, udp(53)),
		},
	},
	"shared-selector": {
		// Two subject names for one selector make one policy, named after
		// the smaller name.
		Isolations: []ir.Isolation{isolate(web, ir.Ingress, 1), isolate(subject("shop", "frontend", app("web")), ir.Ingress, 2)},
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
