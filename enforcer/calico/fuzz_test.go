package calico

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// FuzzParseSelector: the Calico selector parser never panics, and what it
// parses, printed again by the emitter, parses to the same selectors. The
// emitter prints only selectors the API server accepts (it refuses the
// others), so a parsed selector with, say, a quote in a value is not
// printed: Calico could not quote it either way once it held both quotes.
func FuzzParseSelector(f *testing.F) {
	for _, s := range []string{
		"app == 'web'", "app == 'web' && tier in {'a', 'b'}", "has(k) && !has(j)",
		"projectcalico.org/name == 'shop'", "all()", "k not in {'x'}", "a != 'b'",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sels, err := ParseSelector(s)
		if err != nil {
			return
		}
		for _, sel := range sels {
			if !printable(&sel) {
				continue
			}
			if err := roundTrip(sel); err != nil {
				t.Fatalf("%q: %v", s, err)
			}
		}
	})
}

// printable reports whether the emitter would print sel: whether the API
// server validates it.
func printable(sel *metav1.LabelSelector) bool {
	return len(metav1validation.ValidateLabelSelector(sel, metav1validation.LabelSelectorValidationOptions{}, field.NewPath("selector"))) == 0
}

func sameSelector(a, b metav1.LabelSelector) bool {
	return metav1.FormatLabelSelector(&a) == metav1.FormatLabelSelector(&b)
}
