package calico

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	emit "github.com/netpolc/netpolc/emitters/calico"
)

// FuzzParseSelector: the Calico selector parser never panics, and what it
// parses, printed again by the emitter, parses to the same selectors.
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
			printed := emit.Selector(&sel)
			again, err := ParseSelector(printed)
			if err != nil {
				t.Fatalf("%q parsed, printed as %q, which does not parse: %v", s, printed, err)
			}
			if len(again) != 1 || !sameSelector(again[0], sel) {
				t.Fatalf("%q → %v → %q → %v", s, sel, printed, again)
			}
		}
	})
}

func sameSelector(a, b metav1.LabelSelector) bool {
	return metav1.FormatLabelSelector(&a) == metav1.FormatLabelSelector(&b)
}
