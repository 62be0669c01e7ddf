package networkpolicy

import (
	"errors"
	"strings"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/portset"
	. "github.com/netpolc/netpolc/internal/testkit/irfix"
)

// oneRule is a policy isolating api's egress with a single rule.
func oneRule(p ir.Peer, ports ...ir.Port) *ir.Policy {
	return &ir.Policy{
		Isolations: []ir.Isolation{Isolate(API, ir.Egress, 1)},
		Rules:      []ir.Rule{Allow(API, ir.Egress, p, 20, ports...)},
	}
}

// buildErrorCases are TestBuildErrors's cases.
var buildErrorCases = []struct {
	name string
	in   *ir.Policy
	is   error
	want []string // substrings of the error, in order of the message
}{{
	name: "fqdn peer",
	in:   oneRule(ir.Peer{Kind: ir.PeerFQDN, FQDN: "api.example.com"}, TCP(443)),
	is:   ErrUnsupported,
	want: []string{"intents/shop.cue:20:3: networkpolicy: egress rule of shop/api", `FQDN peer "api.example.com"`},
}, {
	name: "deny rule",
	in: &ir.Policy{
		Isolations: []ir.Isolation{Isolate(API, ir.Egress, 1)},
		Rules:      []ir.Rule{{Subject: API, Direction: ir.Egress, Peer: Everyone, Action: ir.Deny, Origin: At(20)}},
	},
	is:   ErrUnsupported,
	want: []string{"intents/shop.cue:20:3", `action "Deny"`},
}, {
	name: "rule without isolation",
	in:   &ir.Policy{Rules: []ir.Rule{Allow(API, ir.Egress, Everyone, 20)}},
	is:   ErrUnsupported,
	want: []string{"intents/shop.cue:20:3", "no isolation"},
}, {
	name: "bad selector value",
	in:   oneRule(LocalPods(map[string]string{"app": "bad value!"}), TCP(80)),
	is:   ErrInvalid,
	want: []string{"intents/shop.cue:20:3", "podSelector.matchLabels", "bad value!"},
}, {
	name: "bad selector key",
	in:   oneRule(ir.Peer{Kind: ir.PeerPods, Namespaces: Sel(map[string]string{"-bad": "x"})}),
	is:   ErrInvalid,
	want: []string{"intents/shop.cue:20:3", "namespaceSelector.matchLabels", "-bad"},
}, {
	name: "bad subject selector",
	in: &ir.Policy{Isolations: []ir.Isolation{
		Isolate(Subject("shop", "x", map[string]string{"app": "a b"}), ir.Ingress, 7)}},
	is:   ErrInvalid,
	want: []string{"intents/shop.cue:7:3: networkpolicy: ingress isolation of shop/x", "podSelector"},
}, {
	name: "bad cidr",
	in:   oneRule(CIDR("10.0.0.0/33")),
	is:   ErrInvalid,
	want: []string{"intents/shop.cue:20:3", `invalid cidr "10.0.0.0/33"`},
}, {
	name: "cidr with host bits",
	in:   oneRule(CIDR("10.0.0.1/8")),
	is:   ErrInvalid,
	want: []string{`cidr "10.0.0.1/8": host bits set (did you mean "10.0.0.0/8"?)`},
}, {
	name: "except outside cidr",
	in:   oneRule(CIDR("10.0.0.0/8", "192.168.0.0/16")),
	is:   ErrInvalid,
	want: []string{"intents/shop.cue:20:3", `except "192.168.0.0/16": must lie strictly inside cidr "10.0.0.0/8"`},
}, {
	name: "except equal to cidr",
	in:   oneRule(CIDR("10.0.0.0/8", "10.0.0.0/8")),
	is:   ErrInvalid,
	want: []string{`except "10.0.0.0/8": must lie strictly inside`},
}, {
	name: "except of other family",
	in:   oneRule(CIDR("10.0.0.0/8", "2001:db8::/32")),
	is:   ErrInvalid,
	want: []string{`except "2001:db8::/32": not the address family`},
}, {
	name: "cidr peer without blocks",
	in:   oneRule(ir.Peer{Kind: ir.PeerCIDR}),
	is:   ErrInvalid,
	want: []string{"intents/shop.cue:20:3", "no CIDR"},
}, {
	name: "endPort without a port",
	in:   oneRule(Everyone, Span(TCP(0), 8000)),
	is:   ErrInvalid,
	want: []string{"intents/shop.cue:20:3", "endPort 8000: only allowed with a numeric port"},
}, {
	name: "port 70000",
	in:   oneRule(Everyone, TCP(70000)),
	is:   ErrInvalid,
	want: []string{"port 70000: must be between 1 and 65535"},
}, {
	name: "endPort below port",
	in:   oneRule(Everyone, Span(TCP(9000), 8000)),
	is:   ErrInvalid,
	want: []string{"endPort 8000: must not be below port 9000"},
}, {
	name: "endPort with named port",
	in:   oneRule(Everyone, Span(Named("http"), 90)),
	is:   ErrInvalid,
	want: []string{"endPort 90: only allowed with a numeric port"},
}, {
	name: "bad port name and protocol",
	in:   oneRule(Everyone, ir.Port{Protocol: portset.Protocol(9), Name: "Not_A_Name"}),
	is:   ErrInvalid,
	want: []string{`protocol "Protocol(9)"`, "port Not_A_Name"},
}, {
	name: "name collision",
	in: &ir.Policy{Isolations: []ir.Isolation{
		Isolate(Subject("shop", "web", App("web")), ir.Ingress, 1),
		Isolate(Subject("shop", "web", App("web-v2")), ir.Ingress, 2),
	}},
	is:   ErrInvalid,
	want: []string{"intents/shop.cue:", `policy name "shop-ingress-web"`, "the other is at intents/shop.cue:"},
}, {
	name: "invalid name",
	in:   &ir.Policy{Isolations: []ir.Isolation{Isolate(Subject("shop", "Web_1", nil), ir.Ingress, 1)}},
	is:   ErrInvalid,
	want: []string{"intents/shop.cue:1:3", `policy name "shop-ingress-Web_1"`},
}}

func TestBuildErrors(t *testing.T) {
	for _, tt := range buildErrorCases {
		t.Run(tt.name, func(t *testing.T) {
			pols, err := Build(tt.in)
			if err == nil {
				t.Fatalf("Build succeeded, want an error; got %d policies", len(pols))
			}
			if pols != nil {
				t.Errorf("Build returned policies along with an error")
			}
			if !errors.Is(err, tt.is) {
				t.Errorf("error %q does not wrap %v", err, tt.is)
			}
			msg := err.Error()
			for _, w := range tt.want {
				i := strings.Index(msg, w)
				if i < 0 {
					t.Fatalf("error %q does not contain %q", msg, w)
				}
				msg = msg[i+len(w):]
			}
		})
	}
}

// TestBuildCollectsErrors checks that every problem is reported at once,
// sorted, and not only the first one.
func TestBuildCollectsErrors(t *testing.T) {
	p := &ir.Policy{
		Isolations: []ir.Isolation{Isolate(API, ir.Egress, 1)},
		Rules: []ir.Rule{
			Allow(API, ir.Egress, CIDR("10.0.0.0/33"), 30, TCP(70000)),
			Allow(API, ir.Egress, ir.Peer{Kind: ir.PeerFQDN, FQDN: "x.example"}, 12),
			Allow(API, ir.Egress, Everyone, 20, TCP(443)),
		},
	}
	_, err := Build(p)
	if err == nil {
		t.Fatal("Build succeeded")
	}
	if !strings.Contains(err.Error(), "hint: DNS names need a target with name rules: cilium") {
		t.Errorf("the FQDN error does not name the targets that can express it:\n%v", err)
	}
	var lines []string
	for l := range strings.SplitSeq(err.Error(), "\n") {
		if !strings.HasPrefix(l, "    hint: ") {
			lines = append(lines, l)
		}
	}
	want := []string{
		`intents/shop.cue:12:3: networkpolicy: egress rule of shop/api: FQDN peer "x.example"`,
		`intents/shop.cue:30:3: networkpolicy: egress rule of shop/api: invalid cidr "10.0.0.0/33"`,
		`intents/shop.cue:30:3: networkpolicy: egress rule of shop/api: invalid port 70000`,
	}
	if len(lines) != len(want) {
		t.Fatalf("want %d errors, one a line, got:\n%v", len(want), err)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d = %q, want prefix %q", i, lines[i], w)
		}
	}
}

func TestFilesErrors(t *testing.T) {
	ok := networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "a"}}
	tests := map[string][]networkingv1.NetworkPolicy{
		"path in name":      {{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "../etc"}}},
		"path in namespace": {{ObjectMeta: metav1.ObjectMeta{Namespace: "../x", Name: "a"}}},
		"duplicate":         {ok, ok},
	}
	for name, pols := range tests {
		if _, err := Files(pols); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: Files error %v, want ErrInvalid", name, err)
		}
	}
}

// TestFQDNApproximate: under allow-approximate each FQDN rule is left out
// with one warning; the rest is emitted (never an address guess).
func TestFQDNApproximate(t *testing.T) {
	p := &ir.Policy{
		Isolations: []ir.Isolation{Isolate(API, ir.Egress, 2)},
		Rules: []ir.Rule{
			Allow(API, ir.Egress, ir.Peer{Kind: ir.PeerFQDN, FQDN: "a.example"}, 3, TCP(443)),
			Allow(API, ir.Egress, ir.Peer{Kind: ir.PeerFQDN, FQDN: "*.b.example"}, 4, TCP(443)),
			Allow(API, ir.Egress, DNS, 5, UDP(53)),
		},
	}
	res, err := build(p, inventory.Inventory{}, true)
	if err != nil {
		t.Fatal(err)
	}
	pols, warns := res.pols, res.warns
	if len(warns) != 2 || !strings.Contains(warns[0].String(), `"a.example"`) || !strings.Contains(warns[1].String(), `"*.b.example"`) {
		t.Errorf("warnings = %v, want one per FQDN rule", warns)
	}
	if len(pols) != 1 || len(pols[0].Spec.Egress) != 1 || pols[0].Spec.Egress[0].To[0].IPBlock != nil {
		t.Errorf("policies = %+v, want the DNS rule only", pols)
	}
}
