package networkpolicy

import (
	"errors"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
	. "github.com/netpolc/netpolc/internal/testkit/irfix"
)

// platformOf is a policy declaring the namespaces shop, bank and
// kube-system with one cluster-wide intent of tier over every namespace
// but kube-system.
func platformOf(tier ir.Tier, rules ...ir.ClusterRule) *ir.Policy {
	var nss []ir.Namespace
	for _, n := range []string{"bank", "kube-system", "shop"} {
		nss = append(nss, ir.Namespace{Name: n, Labels: map[string]string{inventory.MetadataNameLabel: n}})
	}
	return &ir.Policy{Namespaces: nss, Cluster: []ir.ClusterPolicy{{
		Tier: tier, Priority: 10, Name: "p", Origin: At(1), Rules: rules,
		Subject: ir.ClusterSubject{Namespaces: metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
			{Key: inventory.MetadataNameLabel, Operator: metav1.LabelSelectorOpNotIn, Values: []string{"kube-system"}}}}},
	}}}
}

// cr is a cluster rule on line.
func cr(d ir.Direction, a ir.Action, p ir.Peer, line int, ports ...ir.Port) ir.ClusterRule {
	return ir.ClusterRule{Direction: d, Action: a, Peer: p, Ports: ports, Origin: At(line)}
}

// allPods is every pod of the cluster (the #ClusterDefaultDeny ingress peer).
var allPods = ir.Peer{Kind: ir.PeerPods, Namespaces: &metav1.LabelSelector{}}

// TestPlatformRefusals: what NetworkPolicy cannot express of the
// platform layer fails at the rule's line with the reason and a hint,
// with and without allow-approximate where nothing narrower exists.
func TestPlatformRefusals(t *testing.T) {
	for _, tt := range []struct {
		name   string
		in     *ir.Policy
		approx bool // refused under allow-approximate too
		want   []string
	}{
		{"admin deny", platformOf(ir.TierAdmin, cr(ir.Egress, ir.Deny, CIDR("169.254.169.254/32"), 4)), true,
			[]string{"intents/shop.cue:4:3: networkpolicy: Deny egress rule of admin intent \"p\"", "cannot deny what a team's policy allows", "adminpolicy target", "calico target"}},
		{"admin pass", platformOf(ir.TierAdmin, cr(ir.Ingress, ir.Pass, allPods, 5)), true,
			[]string{"intents/shop.cue:5:3: networkpolicy: Pass ingress rule of admin intent \"p\"", "adminpolicy target"}},
		{"admin allow", platformOf(ir.TierAdmin, cr(ir.Egress, ir.Allow, DNS, 6, UDP(53))), true,
			[]string{"intents/shop.cue:6:3: networkpolicy: Allow egress rule of admin intent \"p\"", "a team's isolation would deny", "calico target"}},
		{"baseline ingress deny from pods only", platformOf(ir.TierBaseline, cr(ir.Ingress, ir.Deny, allPods, 7)), false,
			[]string{"intents/shop.cue:7:3: networkpolicy: baseline Deny ingress rule of \"p\"", "denies every peer and port the rule does not name too (narrower)", "--allow-approximate"}},
		{"baseline deny on a port", platformOf(ir.TierBaseline, cr(ir.Egress, ir.Deny, Everyone, 8, TCP(25))), false,
			[]string{"intents/shop.cue:8:3", "baseline Deny egress rule"}},
		{"baseline allow before the deny", platformOf(ir.TierBaseline, cr(ir.Egress, ir.Allow, DNS, 9, UDP(53)), cr(ir.Egress, ir.Deny, Everyone, 10)), false,
			[]string{"intents/shop.cue:9:3: networkpolicy: baseline Allow egress rule of \"p\"", "would open the pods a team's policy isolates too", "(wider)"}},
	} {
		for _, approx := range []bool{false, true} {
			res, err := build(tt.in, inventory.Inventory{}, approx)
			if approx && !tt.approx {
				if err != nil || len(res.warns) != 1 || !strings.Contains(res.warns[0].Message, "(narrower)") {
					t.Errorf("%s approximate: err %v, warnings %v, want one narrowing warning", tt.name, err, res.warns)
				}
				continue
			}
			if !errors.Is(err, ErrUnsupported) {
				t.Fatalf("%s approximate=%v: err = %v, want ErrUnsupported", tt.name, approx, err)
			}
			text := err.Error()
			for _, d := range diag.Collect(err) {
				text += "\n" + d.Hint
			}
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("%s: error\n%s\nlacks %q", tt.name, text, w)
				}
			}
		}
	}
}

// TestPlatformBaselineDefaultDeny: a baseline Deny of everything becomes
// one isolation per covered namespace, rules after it ignored (they never
// match), with a warning that later namespaces are not covered.
func TestPlatformBaselineDefaultDeny(t *testing.T) {
	p := platformOf(ir.TierBaseline, cr(ir.Egress, ir.Deny, CIDR("10.0.0.0/8"), 3), cr(ir.Egress, ir.Deny, Everyone, 4), cr(ir.Egress, ir.Allow, DNS, 5))
	inv := inventory.Inventory{Endpoints: []inventory.Endpoint{{Namespace: "extra", Name: "x", Labels: App("x")}}}
	res, err := build(p, inv, false)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, pol := range res.pols {
		names = append(names, pol.Namespace+"/"+pol.Name)
		if len(pol.Spec.Egress) != 0 || len(pol.Spec.PolicyTypes) != 1 || pol.Spec.PolicyTypes[0] != "Egress" {
			t.Errorf("%s: %+v, want an egress isolation without rules", pol.Name, pol.Spec)
		}
	}
	want := "bank/bank-egress-platform-baseline-p extra/extra-egress-platform-baseline-p shop/shop-egress-platform-baseline-p"
	if strings.Join(names, " ") != want {
		t.Errorf("policies %v, want %s", names, want)
	}
	if len(res.notes) != 1 || !strings.Contains(res.notes[0].String(), "intents/shop.cue:1:3: baseline intent \"p\": egress isolation expanded into one NetworkPolicy per covered namespace (bank, extra, shop): a namespace created later is not covered") {
		t.Errorf("notes %v", res.notes)
	}
}

// TestPlatformBadSelector: a subject pod selector the API would reject
// fails at the intent's line.
func TestPlatformBadSelector(t *testing.T) {
	p := platformOf(ir.TierBaseline, cr(ir.Egress, ir.Deny, Everyone, 4))
	p.Cluster[0].Subject.Pods = metav1.LabelSelector{MatchLabels: map[string]string{"app": "bad value!"}}
	_, err := build(p, inventory.Inventory{}, false)
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "intents/shop.cue:1:3") || !strings.Contains(err.Error(), "bad value!") {
		t.Errorf("err = %v, want the bad selector at the intent's line", err)
	}
}
