package calico

import (
	"cmp"
	"errors"
	"fmt"
	"net/netip"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/netpolc/netpolc/emitters/calico/calicoapi"
	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/inventory"
)

func TestParseSelector(t *testing.T) {
	// Each disjunct prints as a Kubernetes selector; "*" is everything.
	tests := []struct{ in, want string }{
		{"", "[*]"},
		{"all()", "[*]"},
		{"app == 'web' && tier in {'a', \"b\"}", "[app in (web),tier in (a,b)]"},
		{"has(team) && !has(legacy) && env != 'dev' && x not in {'1'}", "[env notin (dev),!legacy,team,x notin (1)]"},
		{"(app == 'a') || (app == 'b' && has(t))", "[app in (a) app in (b),t]"},
		{"has(t) && (app == 'a' || app == 'b')", "[app in (a),t app in (b),t]"},
		{"k in {}", "[]"},
		// A conjunction is a set of requirements: repeats collapse, so
		// that the emitter's printing round-trips (fuzzer, issue 8).
		{"has(k)&&has(k)", "[k]"},
		{"b == 'x' && has(a) && b == 'x'", "[a,b in (x)]"},
	}
	for _, tt := range tests {
		sels, err := ParseSelector(tt.in)
		if err != nil {
			t.Errorf("ParseSelector(%q): %v", tt.in, err)
			continue
		}
		out := []string{}
		for _, s := range sels {
			ls, err := metav1.LabelSelectorAsSelector(&s)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, cmp.Or(ls.String(), "*"))
		}
		if got := fmt.Sprint(out); got != tt.want {
			t.Errorf("ParseSelector(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
	for _, bad := range []string{"app = 'x'", "app == x", "has(", "(app == 'a'", "app == 'a' &&", "app in {'a'"} {
		if _, err := ParseSelector(bad); !errors.Is(err, enforcer.ErrInvalid) {
			t.Errorf("ParseSelector(%q) = %v, want ErrInvalid", bad, err)
		}
	}
}

var inv = inventory.Inventory{
	Namespaces: []inventory.Namespace{
		{Name: "shop", Labels: map[string]string{inventory.MetadataNameLabel: "shop"}},
		{Name: "other", Labels: map[string]string{inventory.MetadataNameLabel: "other", "team": "x"}},
	},
	Endpoints: []inventory.Endpoint{
		{Namespace: "shop", Name: "web", Kind: "Deployment", Labels: map[string]string{"app": "web"}},
		{Namespace: "shop", Name: "db", Kind: "Deployment", Labels: map[string]string{"app": "db"},
			IPs: []netip.Addr{netip.MustParseAddr("10.0.0.5")}},
		{Namespace: "other", Name: "client", Kind: "Deployment", Labels: map[string]string{"app": "client"}},
	},
}

var (
	tier = calicoapi.Tier{ObjectMeta: metav1.ObjectMeta{Name: "netpolc"}, Spec: calicoapi.TierSpec{DefaultAction: calicoapi.ActionDeny}}
	ten  = 10.0
)

func pol(name, selector string, order float64, types []string, ingress, egress []calicoapi.Rule) calicoapi.NetworkPolicy {
	return calicoapi.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "netpolc." + name},
		Spec: calicoapi.PolicySpec{Tier: "netpolc", Order: &order, Selector: selector, Types: types, Ingress: ingress, Egress: egress}}
}

func matrix(t *testing.T, pols ...calicoapi.NetworkPolicy) map[string]string {
	t.Helper()
	r, err := Interpret(&calicoapi.Objects{Tiers: []calicoapi.Tier{tier}, NetworkPolicies: pols}, enforcer.InterpretInput{Inventory: inv})
	if err != nil {
		t.Fatal(err)
	}
	m, err := enforcer.New(*r.Inventory, r.Policies)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, c := range m.Matrix().Connections {
		out[c.Src+">"+c.Dst] = c.Ports.String()
	}
	return out
}

func expect(t *testing.T, got, want map[string]string) {
	t.Helper()
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: got %q, want %q", k, got[k], w)
		}
	}
}

func TestSemantics(t *testing.T) {
	in := []string{calicoapi.TypeIngress}
	got := matrix(t,
		pol("web", "app == 'web'", 100, in, []calicoapi.Rule{
			{Action: calicoapi.ActionLog},
			{Action: calicoapi.ActionAllow, Protocol: "TCP", Source: &calicoapi.EntityRule{Nets: []string{"10.0.0.0/8"}, NotNets: []string{"10.1.0.0/16"}},
				Destination: &calicoapi.EntityRule{Ports: []intstr.IntOrString{intstr.FromInt32(80)}}},
			{Action: calicoapi.ActionAllow, Protocol: "UDP", Source: &calicoapi.EntityRule{NamespaceSelector: "team == 'x'"},
				Destination: &calicoapi.EntityRule{Ports: []intstr.IntOrString{intstr.FromString("5000:5010")}}},
			{Action: calicoapi.ActionDeny},
			{Action: calicoapi.ActionAllow}, // after a default deny: never matches
		}, nil),
		pol("db", "app == 'db'", 100, in, nil, nil), // selected, no rule: the tier's end denies
	)
	expect(t, got, map[string]string{
		"shop/db>shop/web":                  "TCP/80", // nets match the pod's known IP, as ipBlocks do
		"other/client>shop/web":             "UDP/5000-5010",
		"ip:10.0.0.0-10.0.255.255>shop/web": "TCP/80",
		"ip:10.1.0.0-10.1.255.255>shop/web": "",
		"shop/web>shop/db":                  "",
		"shop/web>other/client":             "all",
	})
}

func TestInterpretErrors(t *testing.T) {
	in := []string{calicoapi.TypeIngress}
	allowAll := []calicoapi.Rule{{Action: calicoapi.ActionAllow}}
	tests := map[string]struct {
		objs *calicoapi.Objects
		is   error
	}{
		"pass": {&calicoapi.Objects{Tiers: []calicoapi.Tier{tier}, NetworkPolicies: []calicoapi.NetworkPolicy{
			pol("a", "all()", 1, in, []calicoapi.Rule{{Action: calicoapi.ActionPass}}, nil)}}, enforcer.ErrUnsupported},
		"deny with criteria": {&calicoapi.Objects{Tiers: []calicoapi.Tier{tier}, NetworkPolicies: []calicoapi.NetworkPolicy{
			pol("a", "all()", 1, in, []calicoapi.Rule{{Action: calicoapi.ActionDeny, Protocol: "TCP"}}, nil)}}, enforcer.ErrUnsupported},
		"allow after deny": {&calicoapi.Objects{Tiers: []calicoapi.Tier{tier}, NetworkPolicies: []calicoapi.NetworkPolicy{
			pol("a", "all()", 1, in, []calicoapi.Rule{{Action: calicoapi.ActionDeny}}, nil),
			pol("b", "app == 'web'", ten, in, allowAll, nil)}}, enforcer.ErrUnsupported},
		"pass tier": {&calicoapi.Objects{Tiers: []calicoapi.Tier{{ObjectMeta: metav1.ObjectMeta{Name: "netpolc"},
			Spec: calicoapi.TierSpec{DefaultAction: calicoapi.ActionPass}}}, NetworkPolicies: []calicoapi.NetworkPolicy{
			pol("a", "all()", 1, in, allowAll, nil)}}, enforcer.ErrUnsupported},
		"undefined tier": {&calicoapi.Objects{NetworkPolicies: []calicoapi.NetworkPolicy{pol("a", "all()", 1, in, allowAll, nil)}}, enforcer.ErrInvalid},
		"nets and selector": {&calicoapi.Objects{Tiers: []calicoapi.Tier{tier}, NetworkPolicies: []calicoapi.NetworkPolicy{
			pol("a", "all()", 1, in, []calicoapi.Rule{{Action: calicoapi.ActionAllow,
				Source: &calicoapi.EntityRule{Nets: []string{"10.0.0.0/8"}, Selector: "all()"}}}, nil)}}, enforcer.ErrUnsupported},
		"ports without protocol": {&calicoapi.Objects{Tiers: []calicoapi.Tier{tier}, NetworkPolicies: []calicoapi.NetworkPolicy{
			pol("a", "all()", 1, in, []calicoapi.Rule{{Action: calicoapi.ActionAllow,
				Destination: &calicoapi.EntityRule{Ports: []intstr.IntOrString{intstr.FromInt32(80)}}}}, nil)}}, enforcer.ErrInvalid},
		"service account": {&calicoapi.Objects{Tiers: []calicoapi.Tier{tier}, NetworkPolicies: []calicoapi.NetworkPolicy{
			pol("a", "projectcalico.org/serviceaccount == 'x'", 1, in, allowAll, nil)}}, enforcer.ErrUnsupported},
	}
	for name, tt := range tests {
		if _, err := Interpret(tt.objs, enforcer.InterpretInput{}); !errors.Is(err, tt.is) {
			t.Errorf("%s: error %v, want %v", name, err, tt.is)
		}
	}
}
