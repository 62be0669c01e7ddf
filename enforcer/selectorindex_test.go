package enforcer

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// TestSelectorIndexMatchesEveryNamespace: the namespaces and groups a
// selector matches through the index (namespace labels narrowing the
// candidates) are those found by trying the selector on every namespace
// and group, for random namespace labels and selectors of every
// operator.
func TestSelectorIndexMatchesEveryNamespace(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	keys := []string{"team", "env", "kubernetes.io/metadata.name"}
	values := []string{"a", "b", "c", "ns1", "ns2"}
	ops := []metav1.LabelSelectorOperator{metav1.LabelSelectorOpIn, metav1.LabelSelectorOpNotIn, metav1.LabelSelectorOpExists, metav1.LabelSelectorOpDoesNotExist}
	for round := range 200 {
		var groups []*group
		for n := range 1 + rng.IntN(8) {
			ns := fmt.Sprintf("ns%d", n)
			nsLabels := labels.Set{}
			if rng.IntN(4) > 0 {
				nsLabels["kubernetes.io/metadata.name"] = ns
			}
			for _, k := range keys[:2] {
				if rng.IntN(2) == 0 {
					nsLabels[k] = values[rng.IntN(len(values))]
				}
			}
			for w := range 1 + rng.IntN(3) {
				groups = append(groups, &group{ns: ns, nsLabels: nsLabels, labels: labels.Set{"app": fmt.Sprint(w)}})
			}
		}
		idx := newSelectorIndex(groups)
		for range 20 {
			sel := &metav1.LabelSelector{}
			for range rng.IntN(3) {
				k := keys[rng.IntN(len(keys))]
				if rng.IntN(2) == 0 {
					if sel.MatchLabels == nil {
						sel.MatchLabels = map[string]string{}
					}
					sel.MatchLabels[k] = values[rng.IntN(len(values))]
					continue
				}
				e := metav1.LabelSelectorRequirement{Key: k, Operator: ops[rng.IntN(len(ops))]}
				if e.Operator == metav1.LabelSelectorOpIn || e.Operator == metav1.LabelSelectorOpNotIn {
					for range 1 + rng.IntN(2) {
						e.Values = append(e.Values, values[rng.IntN(len(values))])
					}
				}
				sel.MatchExpressions = append(sel.MatchExpressions, e)
			}
			ps, err := acrossNamespaces(sel, nil)
			if err != nil {
				t.Fatal(err)
			}
			var want []int32
			for i, g := range groups {
				if ps.nsSel.Matches(g.nsLabels) {
					want = append(want, int32(i))
				}
			}
			if got := idx.match(ps); !slices.Equal(got, want) {
				t.Fatalf("round %d, %v: groups %v, want %v", round, sel, got, want)
			}
		}
	}
}
