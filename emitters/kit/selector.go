package kit

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/netpolc/netpolc/internal/ir"
)

// CanonicalSelector returns a copy of sel with its expressions and their
// values sorted and de-duplicated and empty parts dropped, so that equal
// selectors print (and compare) equal. A nil selector stays nil.
func CanonicalSelector(sel *metav1.LabelSelector) *metav1.LabelSelector {
	if sel == nil {
		return nil
	}
	out := &metav1.LabelSelector{}
	if len(sel.MatchLabels) > 0 {
		out.MatchLabels = maps.Clone(sel.MatchLabels)
	}
	for _, e := range sel.MatchExpressions {
		e.Values = slices.Compact(slices.Sorted(slices.Values(e.Values)))
		if len(e.Values) == 0 {
			e.Values = nil
		}
		out.MatchExpressions = append(out.MatchExpressions, e)
	}
	SortRequirements(out.MatchExpressions)
	out.MatchExpressions = slices.CompactFunc(out.MatchExpressions, func(a, b metav1.LabelSelectorRequirement) bool {
		return a.Key == b.Key && a.Operator == b.Operator && slices.Equal(a.Values, b.Values)
	})
	return out
}

// SortRequirements orders selector requirements by key, operator and
// values.
func SortRequirements(reqs []metav1.LabelSelectorRequirement) {
	slices.SortFunc(reqs, func(a, b metav1.LabelSelectorRequirement) int {
		return cmp.Or(cmp.Compare(a.Key, b.Key), cmp.Compare(a.Operator, b.Operator), slices.Compare(a.Values, b.Values))
	})
}

// IsEmpty reports whether sel selects everything.
func IsEmpty(sel *metav1.LabelSelector) bool {
	return len(sel.MatchLabels) == 0 && len(sel.MatchExpressions) == 0
}

// CheckSelector validates a label selector (keys, values, operators) the
// way the API server does; name is its field, for the message. A nil
// selector is valid.
func CheckSelector(name string, sel *metav1.LabelSelector) error {
	if sel == nil || validLabels.knownSelector(sel) {
		return nil
	}
	errs := metav1validation.ValidateLabelSelector(sel, metav1validation.LabelSelectorValidationOptions{}, field.NewPath(name))
	if len(errs) == 0 {
		validLabels.remember(sel)
		return nil
	}
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Error()
	}
	return fmt.Errorf("%w selector: %s", ErrInvalid, strings.Join(msgs, "; "))
}

// SubjectSelector validates a subject (its namespace a DNS label, its
// selector valid under field name) and returns its pod selector in
// canonical form.
func SubjectSelector(s ir.Subject, name string) (*metav1.LabelSelector, []error) {
	var errs []error
	if err := checkNamespace(s.Namespace); err != nil {
		errs = append(errs, err)
	}
	sel := CanonicalSelector(&s.Pods)
	if err := CheckSelector(name, sel); err != nil {
		errs = append(errs, err)
	}
	return sel, errs
}

// checkNamespace validates a namespace name.
func checkNamespace(ns string) error {
	if msgs := validNamespaces.validate(ns); len(msgs) > 0 {
		return fmt.Errorf("%w namespace %q: %s", ErrInvalid, ns, strings.Join(msgs, "; "))
	}
	return nil
}

// JSONKey is the canonical form of v used to de-duplicate and order peers
// and selectors; encoding/json sorts map keys, so it is deterministic.
func JSONKey(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		// The API types always marshal; a failure is a programming error.
		panic(fmt.Sprintf("kit: marshal %T: %v", v, err))
	}
	return string(b)
}

// SortedValues returns a map's values ordered by key.
func SortedValues[T any](m map[string]T) []T {
	out := make([]T, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, m[k])
	}
	return out
}

// DirIndex indexes per-direction arrays: 0 for ingress, 1 for egress; ok
// is false for anything else.
func DirIndex(d ir.Direction) (int, bool) {
	switch d {
	case ir.Ingress:
		return 0, true
	case ir.Egress:
		return 1, true
	}
	return 0, false
}

// Lower spells a direction as the emitted objects' fields do.
func Lower(d ir.Direction) string { return strings.ToLower(string(d)) }

// ParsePrefix parses a CIDR in canonical form (no host bits set, not an
// IPv4-mapped IPv6 address), as the Kubernetes API and every CNI expect;
// field names it in messages.
func ParsePrefix(field, s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return p, fmt.Errorf("%w %s %q: %w", ErrInvalid, field, s, err)
	}
	if p.Addr().Is4In6() {
		return p, fmt.Errorf("%w %s %q: IPv4-mapped IPv6 address; write the IPv4 CIDR", ErrInvalid, field, s)
	}
	if m := p.Masked(); m != p {
		return p, fmt.Errorf("%w %s %q: host bits set (did you mean %q?)", ErrInvalid, field, s, m)
	}
	return p, nil
}
