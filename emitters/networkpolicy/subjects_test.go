package networkpolicy

import (
	"fmt"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/internal/ir"
)

// TestSubjectKey: the remembered key and errors are podSelector's for
// every subject, also when one name comes back with other labels, other
// expressions, or an invalid selector.
func TestSubjectKey(t *testing.T) {
	sel := func(labels map[string]string, exprs ...metav1.LabelSelectorRequirement) metav1.LabelSelector {
		return metav1.LabelSelector{MatchLabels: labels, MatchExpressions: exprs}
	}
	in := metav1.LabelSelectorRequirement{Key: "tier", Operator: metav1.LabelSelectorOpIn, Values: []string{"b", "a"}}
	pods := []metav1.LabelSelector{
		sel(map[string]string{"app": "web"}),
		sel(map[string]string{"app": "web"}),
		sel(map[string]string{"app": "api"}),
		sel(map[string]string{"app": "api"}, in),
		sel(map[string]string{"app": "api"}, metav1.LabelSelectorRequirement{Key: "tier", Operator: metav1.LabelSelectorOpIn, Values: []string{"a", "b"}}),
		sel(map[string]string{"app": "bad value!"}),
		sel(nil),
		sel(map[string]string{}),
		sel(map[string]string{"app": "web"}),
	}
	b := &builder{subjects: map[subjectID]*subjectSel{}}
	for _, ns := range []string{"shop", "Bad_NS"} {
		for i, p := range pods {
			s := ir.Subject{Namespace: ns, Name: "w", Pods: p}
			key, errs := b.subjectKey(s)
			want, wantErrs := podSelector(s)
			if key != kit.JSONKey(want) || fmt.Sprint(errs) != fmt.Sprint(wantErrs) {
				t.Errorf("%s #%d: key %s errs %v, want %s %v", ns, i, key, errs, kit.JSONKey(want), wantErrs)
			}
		}
	}
}
