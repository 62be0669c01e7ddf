package gatereport

import (
	"strings"
	"testing"

	"github.com/netpolc/netpolc/internal/gate"
)

// TestReviewLines: a team-only diff without owners prints as before; a
// platform diff counts by tier, tags rows, names owners and the
// namespaces a platform change does not name.
func TestReviewLines(t *testing.T) {
	p := ports(t, "TCP/80")
	team := &gate.Diff{Base: "b", Head: "h", Opened: 1, Flows: []gate.Flow{
		{Change: gate.Opened, Src: "a/x", Dst: "b/y", Namespace: "b", After: p, Tier: gate.TierNamespaced}}}
	var b strings.Builder
	writeDiffText(&b, team, 0, paint{})
	if strings.Contains(b.String(), "by tier") || strings.Contains(b.String(), "[") || strings.Contains(b.String(), "owner") {
		t.Errorf("team-only diff:\n%s", b.String())
	}
	plat := &gate.Diff{Base: "b", Head: "h", Opened: 2, Closed: 1, Owned: true, PlatformChanged: true, Unnamed: []string{"a", "b"},
		Flows: []gate.Flow{
			{Change: gate.Opened, Src: "a/x", Dst: "b/y", Namespace: "b", After: p, Tier: gate.TierBaseline, Owner: "bank"},
			{Change: gate.Opened, Src: "a/x", Dst: "b/z", Namespace: "b", After: p, Tier: gate.TierNamespaced, Owner: "bank"},
			{Change: gate.Closed, Src: "c/x", Dst: "kube-system/dns", Namespace: "kube-system", Before: p, Tier: gate.TierAdmin},
		}}
	b.Reset()
	writeDiffText(&b, plat, 0, paint{})
	for _, want := range []string{
		"\nby tier: admin −1 · namespaced +1 · baseline +1\n",
		"\nby owner: (no owner) −1 · bank +2\n",
		"\n⚠ platform change: affects namespaces not named by the change: a, b\n",
		"\nb  +2  (owner bank)\n",
		"  + a/x → b/y  TCP/80  [baseline tier]\n",
		"  + a/x → b/z  TCP/80\n",
		"\nkube-system  −1\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, b.String())
		}
	}
	b.Reset()
	writeDiffMD(&b, plat, 0)
	for _, want := range []string{"- ⚠ platform change: affects namespaces not named by the change: a, b\n", "| [baseline tier] |"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("md lacks %q:\n%s", want, b.String())
		}
	}
}
