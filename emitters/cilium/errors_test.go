package cilium

import (
	"errors"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netpolc/netpolc/emitters/cilium/ciliumapi"
	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/portset"
	. "github.com/netpolc/netpolc/internal/testkit/irfix"
)

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
			errUnsupported, `intents/shop.cue:20:3: cilium: egress rule of shop/api: action "Deny"`},
		{"no isolation", &ir.Policy{Rules: []ir.Rule{Allow(API, ir.Egress, Everyone, 20)}}, errUnsupported, "no isolation"},
		{"ingress fqdn", &ir.Policy{Isolations: []ir.Isolation{Isolate(API, ir.Ingress, 1)},
			Rules: []ir.Rule{Allow(API, ir.Ingress, ir.Peer{Kind: ir.PeerFQDN, FQDN: "x.example"}, 20)}},
			errUnsupported, "egress only"},
		{"bad cidr", oneRule(CIDR("10.0.0.1/8")), kit.ErrInvalid, "host bits set"},
		{"except outside", oneRule(CIDR("10.0.0.0/8", "192.168.0.0/16")), kit.ErrInvalid, "must lie strictly inside"},
		{"bad port", oneRule(Everyone, TCP(70000)), kit.ErrInvalid, "invalid port 70000"},
		{"bad range", oneRule(Everyone, Span(TCP(90), 80)), kit.ErrInvalid, "endPort 80: must not be below port 90"},
		{"bad selector", oneRule(LocalPods(map[string]string{"app": "a b"})), kit.ErrInvalid, "podSelector"},
		{"bad fqdn", oneRule(ir.Peer{Kind: ir.PeerFQDN, FQDN: "-x"}), kit.ErrInvalid, "FQDN"},
		{"name collision", &ir.Policy{Isolations: []ir.Isolation{
			Isolate(Subject("shop", "web", App("web")), ir.Ingress, 1),
			Isolate(Subject("shop", "web", App("web2")), ir.Ingress, 2)}}, kit.ErrInvalid, "two subjects with different selectors"},
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
		if _, err := files(pols); !errors.Is(err, kit.ErrInvalid) {
			t.Errorf("%s: Files error %v, want kit.ErrInvalid", name, err)
		}
	}
}

// workloads declare api's "http" and "grpc" ports and a db pod inside
// 10.0.0.0/8.
var workloads = []ir.Workload{
	{Namespace: "shop", Name: "api", Labels: App("api"), Ports: []ir.NamedPort{
		{Name: "http", Port: 8080, Protocol: portset.TCP}, {Name: "grpc", Port: 9090, Protocol: portset.TCP}}},
	{Namespace: "shop", Name: "db", Labels: App("db"), IPs: []string{"10.0.5.5"}},
}

// TestHints checks that the remedies of a refusal are the diagnostic's
// hint, not part of its message.
// v119 is a Cilium release that resolves egress named ports cluster-wide.
var v119 = ciliumapi.Version{Major: 1, Minor: 19}

func TestHints(t *testing.T) {
	tests := map[string]struct {
		rule ir.Rule
		want []string // substrings of the hint
	}{
		"pod IP in CIDR": {Allow(Web, ir.Egress, CIDR("10.0.0.0/8"), 3, TCP(5432)),
			[]string{"--allow-approximate would emit it narrower: the CIDR rule does not match pods"}},
		"named port": {Allow(Web, ir.Egress, LocalPods(nil), 3, Named("http")),
			[]string{"numeric port", "--cilium-named-ports-per-destination", "--allow-approximate would emit it narrower: port TCP/http left out"}},
	}
	for name, tt := range tests {
		p := &ir.Policy{Workloads: workloads, Isolations: []ir.Isolation{Isolate(Web, ir.Egress, 1)}, Rules: []ir.Rule{tt.rule}}
		_, _, err := Build(p, Options{Version: v119})
		ds := diag.Collect(err)
		if len(ds) != 1 || !errors.Is(err, errUnsupported) {
			t.Fatalf("%s: error %v: want one ErrUnsupported diagnostic", name, err)
		}
		if strings.Contains(ds[0].Msg, "--") {
			t.Errorf("%s: message %q names a flag: that belongs in the hint", name, ds[0].Msg)
		}
		for _, w := range tt.want {
			if !strings.Contains(ds[0].Hint, w) {
				t.Errorf("%s: hint %q: want it to contain %q", name, ds[0].Hint, w)
			}
		}
	}
}

// TestOneWarningPerRule checks that under AllowApproximate every rule
// narrowed gets exactly one warning, naming the rule, however many things
// were dropped from it.
func TestOneWarningPerRule(t *testing.T) {
	fqdn := func(name string) ir.Peer { return ir.Peer{Kind: ir.PeerFQDN, FQDN: name} }
	p := &ir.Policy{
		Workloads:  workloads,
		Isolations: []ir.Isolation{Isolate(Web, ir.Egress, 1)},
		Rules: []ir.Rule{
			// A pod IP in the CIDR, and a named port towards a CIDR.
			Allow(Web, ir.Egress, CIDR("10.0.0.0/8"), 3, Named("http"), TCP(80)),
			// Two named ports db does not declare, left out.
			Allow(Web, ir.Egress, LocalPods(nil), 4, Named("http"), Named("grpc"), TCP(81)),
			// No DNS allowed, and a named port towards an FQDN.
			Allow(Web, ir.Egress, fqdn("a.example"), 5, Named("http"), TCP(443)),
			// No DNS allowed.
			Allow(Web, ir.Egress, fqdn("b.example"), 6, TCP(443)),
			// Exact.
			Allow(Web, ir.Egress, LocalPods(App("api")), 7, TCP(8080)),
		},
	}
	_, warns, err := Build(p, Options{AllowApproximate: true, Version: v119})
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]int{3: 2, 4: 2, 5: 2, 6: 1} // line: how many things narrowed
	if len(warns) != len(want) {
		t.Fatalf("%d warnings, want %d:\n%v", len(warns), len(want), warns)
	}
	for _, w := range warns {
		if !strings.HasPrefix(w.Message, "egress rule of shop/web: ") {
			t.Errorf("warning %q does not name the rule", w)
		}
		if got := strings.Count(w.Message, ": narrowed: "); got != want[w.Origin.Line] {
			t.Errorf("warning %q: %d narrowings, want %d", w, got, want[w.Origin.Line])
		}
		delete(want, w.Origin.Line)
	}
	if len(want) > 0 {
		t.Errorf("no warning for the rules at lines %v", want)
	}
}
