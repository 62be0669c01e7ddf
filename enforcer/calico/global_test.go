package calico

import (
	"errors"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netpolc/netpolc/emitters/calico/calicoapi"
	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/settings"
	fx "github.com/netpolc/netpolc/internal/testkit/irfix"
)

// The tiers of these tests: plat before the teams' tier netpolc (order
// 1100 here), base after it.
func tierOf2(name string, order float64, end string) calicoapi.Tier {
	return calicoapi.Tier{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: calicoapi.TierSpec{Order: &order, DefaultAction: end}}
}

var teamsTier = tierOf2("netpolc", 1100, calicoapi.ActionDeny)

func gnp(tier, name, selector string, order float64, types []string, ingress, egress []calicoapi.Rule) calicoapi.GlobalNetworkPolicy {
	return calicoapi.GlobalNetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: tier + "." + name},
		Spec: calicoapi.GlobalPolicySpec{Tier: tier, Order: &order, Selector: selector, Types: types, Ingress: ingress, Egress: egress}}
}

const guard = "projectcalico.org/orchestrator == 'k8s'"

func objMatrix(t *testing.T, objs *calicoapi.Objects) map[string]string {
	t.Helper()
	r, err := Interpret(objs, enforcer.InterpretInput{Inventory: inv})
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

var (
	in, eg   = []string{calicoapi.TypeIngress}, []string{calicoapi.TypeEgress}
	fromTeam = &calicoapi.EntityRule{NamespaceSelector: "team == 'x'", Selector: guard}
)

// TestGlobalTiers reads GlobalNetworkPolicies with Calico's tier
// semantics: first match across a tier's policies in order, Pass to the
// next tier, a tier ending with Pass or Deny for the endpoints it
// selects, skipped by those it does not.
func TestGlobalTiers(t *testing.T) {
	db := guard + " && app == 'db'"
	cases := []struct {
		name string
		objs *calicoapi.Objects
		want map[string]string
	}{
		{"admin deny, the tier passes the rest", &calicoapi.Objects{Tiers: []calicoapi.Tier{tierOf2("plat", 50, calicoapi.ActionPass)},
			GlobalNetworkPolicies: []calicoapi.GlobalNetworkPolicy{
				gnp("plat", "a", db, 1, in, []calicoapi.Rule{{Action: calicoapi.ActionDeny, Source: fromTeam}}, nil)}},
			map[string]string{"other/client>shop/db": "", "shop/web>shop/db": "all", "other/client>shop/web": "all"}},
		{"the first policy by order decides", &calicoapi.Objects{Tiers: []calicoapi.Tier{tierOf2("plat", 50, calicoapi.ActionPass)},
			GlobalNetworkPolicies: []calicoapi.GlobalNetworkPolicy{
				gnp("plat", "z", db, 2, in, []calicoapi.Rule{{Action: calicoapi.ActionDeny}}, nil),
				gnp("plat", "a", db, 1, in, []calicoapi.Rule{{Action: calicoapi.ActionAllow, Protocol: "TCP", Source: fromTeam}}, nil)}},
			map[string]string{"other/client>shop/db": "TCP/1-65535", "shop/web>shop/db": ""}},
		{"a tier ending with Deny denies what its policies select", &calicoapi.Objects{Tiers: []calicoapi.Tier{tierOf2("plat", 50, calicoapi.ActionDeny)},
			GlobalNetworkPolicies: []calicoapi.GlobalNetworkPolicy{
				gnp("plat", "a", db, 1, in, []calicoapi.Rule{{Action: calicoapi.ActionAllow, Source: fromTeam}}, nil)}},
			map[string]string{"other/client>shop/db": "all", "shop/web>shop/db": "", "shop/db>shop/web": "all"}},
		{"pass to the teams' tier", &calicoapi.Objects{Tiers: []calicoapi.Tier{tierOf2("plat", 50, calicoapi.ActionPass), teamsTier},
			GlobalNetworkPolicies: []calicoapi.GlobalNetworkPolicy{
				gnp("plat", "a", db, 1, in, []calicoapi.Rule{{Action: calicoapi.ActionPass, Source: fromTeam}, {Action: calicoapi.ActionAllow}}, nil)},
			NetworkPolicies: []calicoapi.NetworkPolicy{pol("db", "app == 'db'", 100, in, nil, nil)}},
			map[string]string{"other/client>shop/db": "", "shop/web>shop/db": "all"}},
		{"baseline after the teams' tier, for what it leaves open", &calicoapi.Objects{Tiers: []calicoapi.Tier{teamsTier, tierOf2("base", 2000, calicoapi.ActionPass)},
			GlobalNetworkPolicies: []calicoapi.GlobalNetworkPolicy{
				gnp("base", "a", guard, 1, eg, nil, []calicoapi.Rule{{Action: calicoapi.ActionDeny}})},
			NetworkPolicies: []calicoapi.NetworkPolicy{pol("web", "app == 'web'", 100, eg, nil, []calicoapi.Rule{{Action: calicoapi.ActionAllow,
				Destination: &calicoapi.EntityRule{Selector: "app == 'db'"}}})}},
			map[string]string{"shop/web>shop/db": "all", "shop/web>other/client": "", "shop/db>shop/web": "", "other/client>shop/web": ""}},
		{"a namespaceSelector scopes the subject", &calicoapi.Objects{Tiers: []calicoapi.Tier{tierOf2("plat", 50, calicoapi.ActionPass)},
			GlobalNetworkPolicies: []calicoapi.GlobalNetworkPolicy{{ObjectMeta: metav1.ObjectMeta{Name: "plat.a"}, Spec: calicoapi.GlobalPolicySpec{
				Tier: "plat", Selector: guard, NamespaceSelector: "projectcalico.org/name == 'other'", Types: eg,
				Egress: []calicoapi.Rule{{Action: calicoapi.ActionDeny}}}}}},
			map[string]string{"other/client>shop/web": "", "shop/web>other/client": "all"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { expect(t, objMatrix(t, tc.objs), tc.want) })
	}
}

func TestGlobalErrors(t *testing.T) {
	deny := []calicoapi.Rule{{Action: calicoapi.ActionDeny}}
	plat := tierOf2("plat", 50, calicoapi.ActionPass)
	v328 := settings.Settings{}
	v328.SetValue(calicoapi.OptionVersion, "3.28")
	tests := map[string]struct {
		objs *calicoapi.Objects
		s    settings.Settings
		is   error
	}{
		"host endpoints in the subject": {&calicoapi.Objects{Tiers: []calicoapi.Tier{plat}, GlobalNetworkPolicies: []calicoapi.GlobalNetworkPolicy{
			gnp("plat", "a", "app == 'db'", 1, in, deny, nil)}}, nil, enforcer.ErrUnsupported},
		"one guarded alternative only": {&calicoapi.Objects{Tiers: []calicoapi.Tier{plat}, GlobalNetworkPolicies: []calicoapi.GlobalNetworkPolicy{
			gnp("plat", "a", guard+" || app == 'db'", 1, in, deny, nil)}}, nil, enforcer.ErrUnsupported},
		"two admin tiers": {&calicoapi.Objects{Tiers: []calicoapi.Tier{plat, tierOf2("plat2", 60, calicoapi.ActionPass), teamsTier},
			GlobalNetworkPolicies: []calicoapi.GlobalNetworkPolicy{gnp("plat", "a", guard, 1, in, deny, nil), gnp("plat2", "a", guard, 1, in, deny, nil)},
			NetworkPolicies:       []calicoapi.NetworkPolicy{pol("db", "app == 'db'", 100, in, nil, nil)}}, nil, enforcer.ErrUnsupported},
		"global in the teams' tier": {&calicoapi.Objects{Tiers: []calicoapi.Tier{teamsTier},
			GlobalNetworkPolicies: []calicoapi.GlobalNetworkPolicy{gnp("netpolc", "a", guard, 1, in, deny, nil)},
			NetworkPolicies:       []calicoapi.NetworkPolicy{pol("db", "app == 'db'", 100, in, nil, nil)}}, nil, enforcer.ErrUnsupported},
		"undefined tier": {&calicoapi.Objects{GlobalNetworkPolicies: []calicoapi.GlobalNetworkPolicy{gnp("plat", "a", guard, 1, in, deny, nil)}},
			nil, enforcer.ErrInvalid},
		"pass in the baseline": {&calicoapi.Objects{Tiers: []calicoapi.Tier{teamsTier, tierOf2("base", 2000, calicoapi.ActionPass)},
			GlobalNetworkPolicies: []calicoapi.GlobalNetworkPolicy{gnp("base", "a", guard, 1, in, []calicoapi.Rule{{Action: calicoapi.ActionPass}}, nil)},
			NetworkPolicies:       []calicoapi.NetworkPolicy{pol("db", "app == 'db'", 100, in, nil, nil)}}, nil, enforcer.ErrInvalid},
		"all() beside a namespaceSelector": {&calicoapi.Objects{Tiers: []calicoapi.Tier{plat}, GlobalNetworkPolicies: []calicoapi.GlobalNetworkPolicy{{
			ObjectMeta: metav1.ObjectMeta{Name: "plat.a"}, Spec: calicoapi.GlobalPolicySpec{Tier: "plat", Selector: guard + " && all()",
				NamespaceSelector: "has(team)", Types: in, Ingress: deny}}}}, nil, enforcer.ErrUnsupported},
		"no tiers before 3.29": {&calicoapi.Objects{GlobalNetworkPolicies: []calicoapi.GlobalNetworkPolicy{gnp("", "a", guard, 1, in, deny, nil)}},
			v328, enforcer.ErrUnsupported},
	}
	for name, tt := range tests {
		if _, err := Interpret(tt.objs, enforcer.InterpretInput{Inventory: inv, Settings: tt.s}); !errors.Is(err, tt.is) {
			t.Errorf("%s: error %v, want %v", name, err, tt.is)
		}
	}
}

// TestGlobalNodeReach: felix lets a node into its own pods whatever any
// tier says, so an admin GlobalNetworkPolicy denying db's ingress from
// everyone still lets the host-network pod web in: the proof fails where
// the intents deny it (the emitter refuses such a deny).
func TestGlobalNodeReach(t *testing.T) {
	hinv := inventory.Inventory{Namespaces: inv.Namespaces, Endpoints: []inventory.Endpoint{
		{Namespace: "shop", Name: "web", Kind: "DaemonSet", Labels: map[string]string{"app": "web"}, HostNetwork: true},
		{Namespace: "shop", Name: "db", Kind: "Deployment", Labels: map[string]string{"app": "db"}},
	}}
	p := &ir.Policy{Cluster: []ir.ClusterPolicy{{Tier: ir.TierAdmin, Name: "g", Priority: 5, Origin: fx.At(1),
		Subject: ir.ClusterSubject{Pods: *fx.Sel(fx.App("db"))},
		Rules:   []ir.ClusterRule{{Direction: ir.Ingress, Action: ir.Deny, Peer: ir.Peer{Kind: ir.PeerAll}, Origin: fx.At(2)}}}}}
	objs := &calicoapi.Objects{Tiers: []calicoapi.Tier{tierOf2("plat", 50, calicoapi.ActionPass)}, GlobalNetworkPolicies: []calicoapi.GlobalNetworkPolicy{
		gnp("plat", "g", guard+" && app == 'db'", 5, in, []calicoapi.Rule{{Action: calicoapi.ActionDeny}}, nil)}}
	err := prove(t, p, hinv, objs, false)
	if err == nil || !strings.Contains(err.Error(), "wider shop/web → shop/db") {
		t.Fatalf("the node's reach into db was not seen: %v", err)
	}
}
