package calico

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/netpolc/netpolc/emitters/calico/calicoapi"
	"github.com/netpolc/netpolc/internal/inventory"
)

// Selector renders a label selector as a Calico selector expression:
// terms joined by " && ", matchLabels first (by key), then expressions;
// "all()" when it selects everything. k != 'v' and k not in {...} match
// endpoints without the label, as NotIn does.
func Selector(sel *metav1.LabelSelector) string {
	return expression(sel, func(k string) string { return k })
}

// NamespaceSelector renders a namespace label selector; the metadata-name
// label becomes Calico's projectcalico.org/name.
func NamespaceSelector(sel *metav1.LabelSelector) string {
	return expression(sel, func(k string) string {
		if k == inventory.MetadataNameLabel {
			return calicoapi.NamespaceNameLabel
		}
		return k
	})
}

func expression(sel *metav1.LabelSelector, key func(string) string) string {
	if sel == nil {
		return calicoapi.All
	}
	var terms []string
	for _, k := range slices.Sorted(maps.Keys(sel.MatchLabels)) {
		terms = append(terms, fmt.Sprintf("%s == '%s'", key(k), sel.MatchLabels[k]))
	}
	reqs := slices.Clone(sel.MatchExpressions)
	slices.SortFunc(reqs, func(a, b metav1.LabelSelectorRequirement) int {
		return cmp.Or(cmp.Compare(a.Key, b.Key), cmp.Compare(a.Operator, b.Operator), slices.Compare(a.Values, b.Values))
	})
	for _, r := range reqs {
		terms = append(terms, requirement(key(r.Key), r))
	}
	terms = slices.Compact(terms)
	if len(terms) == 0 {
		return calicoapi.All
	}
	return strings.Join(terms, " && ")
}

// requirement renders one validated expression.
func requirement(k string, r metav1.LabelSelectorRequirement) string {
	values := slices.Clone(r.Values)
	slices.Sort(values)
	values = slices.Compact(values)
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = "'" + v + "'"
	}
	set := "{" + strings.Join(quoted, ", ") + "}"
	switch r.Operator {
	case metav1.LabelSelectorOpIn:
		if len(values) == 1 {
			return fmt.Sprintf("%s == %s", k, quoted[0])
		}
		return fmt.Sprintf("%s in %s", k, set)
	case metav1.LabelSelectorOpNotIn:
		if len(values) == 1 {
			return fmt.Sprintf("%s != %s", k, quoted[0])
		}
		return fmt.Sprintf("%s not in %s", k, set)
	case metav1.LabelSelectorOpExists:
		return fmt.Sprintf("has(%s)", k)
	}
	return fmt.Sprintf("!has(%s)", k)
}

// checkSelector validates a label selector the way the API server does.
// Valid label keys and values never need quoting in a Calico selector.
func checkSelector(name string, sel *metav1.LabelSelector) error {
	if sel == nil {
		return nil
	}
	errs := metav1validation.ValidateLabelSelector(sel, metav1validation.LabelSelectorValidationOptions{}, field.NewPath(name))
	if len(errs) == 0 {
		return nil
	}
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Error()
	}
	return fmt.Errorf("%w selector: %s", ErrInvalid, strings.Join(msgs, "; "))
}
