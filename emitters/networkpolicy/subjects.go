package networkpolicy

import (
	"maps"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/internal/ir"
)

// subjectID names a subject within a build.
type subjectID struct{ namespace, name string }

// subjectSel is what rule needs of a subject's selector: the canonical
// selector's JSON key (for policyKey) and the validation errors, with
// the IR's selector they were computed from.
type subjectSel struct {
	pods metav1.LabelSelector // a deep copy of the IR's
	key  string
	errs []error
}

// subjectKey is kit.JSONKey(sel) and the errors of podSelector(s),
// remembered per subject: thousands of rules share one subject, and the
// canonical copy, the label validation and the JSON encoding were done
// again for each. A subject whose selector differs from the remembered
// one (same name, other labels) is computed afresh.
func (b *builder) subjectKey(s ir.Subject) (string, []error) {
	id := subjectID{s.Namespace, s.Name}
	if c, ok := b.subjects[id]; ok && sameSelector(&c.pods, &s.Pods) {
		return c.key, c.errs
	}
	sel, errs := podSelector(s)
	key := kit.JSONKey(sel)
	b.subjects[id] = &subjectSel{pods: *s.Pods.DeepCopy(), key: key, errs: errs}
	return key, errs
}

// sameSelector reports whether a and b have the same labels and the same
// expressions in the same order. An empty map or list equals a missing
// one: CanonicalSelector drops both.
func sameSelector(a, b *metav1.LabelSelector) bool {
	return maps.Equal(a.MatchLabels, b.MatchLabels) &&
		slices.EqualFunc(a.MatchExpressions, b.MatchExpressions, func(x, y metav1.LabelSelectorRequirement) bool {
			return x.Key == y.Key && x.Operator == y.Operator && slices.Equal(x.Values, y.Values)
		})
}
