package cilium

import (
	"errors"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/testkit/randir"
)

// TestPlatformRefusal: the platform examples cilium cannot order fail,
// with and without approximation, at the lines of the rules concerned,
// each with its reason.
func TestPlatformRefusal(t *testing.T) {
	ex, err := randir.PlatformExamples()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"tenant-isolation": {"admin Deny of \"tenant-data\": the earlier Pass of \"tenant-data\""},
		"platform": {
			"admin Allow of \"allow-dns\": the later Deny of",
			"admin Deny of \"tenant-retail\": the earlier Allow of \"monitoring-ingress\"",
			"baseline Deny Ingress rule of \"default-deny\": Cilium has no tier after the teams' policies",
		},
	}
	for name, msgs := range want {
		p := ex[name]
		if p == nil {
			t.Fatalf("no example %s", name)
		}
		for _, approx := range []bool{false, true} {
			_, _, err := Build(p, Options{AllowApproximate: approx})
			if !errors.Is(err, kit.ErrUnsupported) {
				t.Fatalf("%s approximate=%v: err = %v, want a refusal", name, approx, err)
			}
			ds := diag.Collect(err)
			for _, d := range ds {
				if d.Pos.Line == 0 {
					t.Errorf("%s: %v: no line", name, d)
				}
			}
			for _, m := range msgs {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("%s approximate=%v: no error says %q:\n%v", name, approx, m, err)
				}
			}
		}
	}
}
