package cilium

import (
	"slices"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netpolc/netpolc/emitters/cilium/ciliumapi"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
	. "github.com/netpolc/netpolc/internal/testkit/irfix"
)

// TestNegativeSelectorsOnlySelectPods is the emitter half of issue 10
// defect 1: a namespace term Cilium could satisfy on a label-less
// reserved identity (NotIn, DoesNotExist) comes with an Exists on the
// namespace label, which only pods carry.
func TestNegativeSelectorsOnlySelectPods(t *testing.T) {
	req := func(op metav1.LabelSelectorOperator, vs ...string) *metav1.LabelSelector {
		return &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: inventory.MetadataNameLabel, Operator: op, Values: vs}}}
	}
	guard := metav1.LabelSelectorRequirement{Key: ciliumapi.NamespaceLabel, Operator: metav1.LabelSelectorOpExists}
	for name, ns := range map[string]*metav1.LabelSelector{
		"NotIn":        req(metav1.LabelSelectorOpNotIn, "b"),
		"DoesNotExist": req(metav1.LabelSelectorOpDoesNotExist),
		"In":           req(metav1.LabelSelectorOpIn, "a"),
		"everything":   {},
		"label NotIn": {MatchExpressions: []metav1.LabelSelectorRequirement{
			{Key: "team", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"x"}}}},
	} {
		sel, err := endpointSelector(ir.Peer{Kind: ir.PeerPods, Namespaces: ns,
			Pods: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "tier", Operator: metav1.LabelSelectorOpDoesNotExist}}}})
		if err != nil {
			t.Fatal(err)
		}
		positive := name == "In"
		got := slices.ContainsFunc(sel.MatchExpressions, func(e metav1.LabelSelectorRequirement) bool {
			return e.Key == guard.Key && e.Operator == guard.Operator
		})
		if got == positive {
			t.Errorf("%s: selector %v: Exists guard %v, want %v", name, sel, got, !positive)
		}
	}
	// Without a namespace selector Cilium adds the policy's namespace.
	sel, _ := endpointSelector(LocalPods(nil))
	if len(sel.MatchExpressions) != 0 || len(sel.MatchLabels) != 0 {
		t.Errorf("local pods: %v, want the empty selector", sel)
	}
}
