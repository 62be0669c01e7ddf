package enforcer

import (
	"math/rand/v2"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// TestCompileSelectorIsTheLibrarys: compileSelector's fast path for
// matchLabels gives metav1.LabelSelectorAsSelector's selector, or its
// error, for valid and invalid keys and values alike.
func TestCompileSelectorIsTheLibrarys(t *testing.T) {
	keys := []string{"app", "tier", "example.com/app", "a.b-c_d", "App", "-app", "app-", "a/b/c", "/app", "example.com/",
		"Example.com/app", strings.Repeat("k", 63), strings.Repeat("k", 64), "", "k8s-app", "kubernetes.io/metadata.name"}
	values := []string{"web", "", "a.b-c_d", "Web9", "-web", "web-", "a/b", strings.Repeat("v", 63), strings.Repeat("v", 64), "ünï", "a b"}
	probes := []labels.Set{{}, {"app": "web"}, {"app": "web", "tier": "a.b-c_d"}, {"example.com/app": ""}}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 3000 {
		ml := map[string]string{}
		for range rng.IntN(4) {
			ml[keys[rng.IntN(len(keys))]] = values[rng.IntN(len(values))]
		}
		// Probes that match the selector itself, when it is valid.
		probe := labels.Set{}
		for k, v := range ml {
			probe[k] = v
		}
		sel := &metav1.LabelSelector{MatchLabels: ml}
		if i%2 == 0 && len(ml) == 0 {
			sel.MatchLabels = nil
		}
		got, gerr := compileSelector(sel)
		want, werr := metav1.LabelSelectorAsSelector(sel)
		if (gerr != nil) != (werr != nil) {
			t.Fatalf("%v: error %v, the library's %v", ml, gerr, werr)
		}
		if werr != nil {
			continue
		}
		if got.String() != want.String() || labels.MatchesNothing(got) != labels.MatchesNothing(want) {
			t.Fatalf("%v: %q, the library's %q", ml, got, want)
		}
		for _, p := range append(probes, probe) {
			if got.Matches(p) != want.Matches(p) {
				t.Fatalf("%v on %v: %t, the library's %t", ml, p, got.Matches(p), want.Matches(p))
			}
		}
	}
}
