package calico

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	emit "github.com/netpolc/netpolc/emitters/calico"
	"github.com/netpolc/netpolc/emitters/calico/calicoapi"
	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/enforcer/proof"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
	fx "github.com/netpolc/netpolc/internal/testkit/irfix"
)

// negativeCases are intents whose peer selector a missing label
// satisfies, with the Calico rule the emitter printed for them before
// issue 10 (no guard), and the endpoint kind that rule lets through.
var negativeCases = []struct {
	name   string
	peer   ir.Peer
	entity calicoapi.EntityRule
	kind   string
}{
	{"namespace NotIn", ir.Peer{Kind: ir.PeerPods, Namespaces: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
		{Key: inventory.MetadataNameLabel, Operator: metav1.LabelSelectorOpNotIn, Values: []string{"other"}}}}},
		calicoapi.EntityRule{NamespaceSelector: "projectcalico.org/name != 'other'"}, kindGlobal},
	{"namespace DoesNotExist", ir.Peer{Kind: ir.PeerPods, Namespaces: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
		{Key: "team", Operator: metav1.LabelSelectorOpDoesNotExist}}}},
		calicoapi.EntityRule{NamespaceSelector: "!has(team)"}, kindGlobal},
	{"label NotIn", ir.Peer{Kind: ir.PeerPods, Pods: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
		{Key: "app", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"db", "web"}}}}},
		calicoapi.EntityRule{Selector: "app not in {'db', 'web'}"}, kindNetworkSet},
	{"label !=", ir.Peer{Kind: ir.PeerPods, Pods: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
		{Key: "app", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"db"}}}}},
		calicoapi.EntityRule{Selector: "app != 'db'"}, kindNetworkSet},
	{"label DoesNotExist", ir.Peer{Kind: ir.PeerPods, Pods: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
		{Key: "tier", Operator: metav1.LabelSelectorOpDoesNotExist}}}},
		calicoapi.EntityRule{Selector: "!has(tier)"}, kindNetworkSet},
}

// prove emits nothing: it reads objs and proves them against p over inv.
func prove(t *testing.T, p *ir.Policy, inv inventory.Inventory, objs *calicoapi.Objects, approx bool) error {
	t.Helper()
	ref, err := proof.NewReference(p, inv)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Interpret(objs, enforcer.InterpretInput{Inventory: inv, PodCIDRs: p.PodCIDRs})
	if err != nil {
		t.Fatal(err)
	}
	_, err = ref.ProveReading("calico", r, approx)
	return err
}

// TestNegativeSelectorsStayInThePodDomain (issue 10, defect 1): a rule
// whose selector a missing label satisfies also matched host endpoints,
// global network sets and network sets. The proof now sees those
// endpoints, so the unguarded rule fails it, naming the endpoint kind;
// the emitter's guarded rule is proven.
func TestNegativeSelectorsStayInThePodDomain(t *testing.T) {
	for _, tc := range negativeCases {
		t.Run(tc.name, func(t *testing.T) {
			p := &ir.Policy{Isolations: []ir.Isolation{fx.Isolate(fx.Web, ir.Egress, 1)},
				Rules: []ir.Rule{fx.Allow(fx.Web, ir.Egress, tc.peer, 2, fx.TCP(80))}}
			unguarded := &calicoapi.Objects{Tiers: []calicoapi.Tier{tier}, NetworkPolicies: []calicoapi.NetworkPolicy{
				pol("shop-web", "app == 'web'", 100, []string{calicoapi.TypeEgress}, nil, []calicoapi.Rule{{Action: calicoapi.ActionAllow,
					Protocol: "TCP", Destination: withPort(tc.entity, 80)}}),
				pol("shop-egress-default-deny", "app == 'web'", 1000, []string{calicoapi.TypeEgress}, nil,
					[]calicoapi.Rule{{Action: calicoapi.ActionDeny}}),
			}}
			err := prove(t, p, inv, unguarded, true)
			if err == nil || !strings.Contains(err.Error(), "wider") || !strings.Contains(err.Error(), tc.kind) {
				t.Fatalf("the unguarded rule %+v: proof gave %v, want wider flows with a %s", tc.entity, err, tc.kind)
			}
			if !strings.Contains(err.Error(), "intents/shop.cue:1:") {
				t.Errorf("the error names no intent line: %v", err)
			}
			objs, _, err := emit.Build(p, emit.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if err := prove(t, p, inv, objs, false); err != nil {
				t.Fatalf("emitted %+v: %v", objs.NetworkPolicies[0].Spec.Egress, err)
			}
		})
	}
}

func withPort(e calicoapi.EntityRule, n int32) *calicoapi.EntityRule {
	e.Ports = append(e.Ports, intstr.FromInt32(n))
	return &e
}
