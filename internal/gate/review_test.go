package gate

import (
	"slices"
	"testing"

	"github.com/netpolc/netpolc/internal/pipeline"
)

const reviewBase = `package i
namespaces: {
	a: workloads: x: ports: http: 80
	b: workloads: y: ports: http: 80
	c: workloads: z: ports: http: 80
}
policies: y: {namespace: "b", workload: "y", ingress: [{from: [{namespaceSelector: {}}]}]}
`

func reviewSide(t *testing.T, name, src string) *Side {
	t.Helper()
	s := &Side{Name: name}
	if err := s.load(pipeline.Sources{IntentsDir: "i", IntentFiles: map[string][]byte{"i.cue": []byte(src)}}); err != nil {
		t.Fatal(err)
	}
	if err := s.evaluate(); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestReview: each flow's deciding tier, and the namespaces a platform
// change affects without naming them.
func TestReview(t *testing.T) {
	base := reviewSide(t, "base", reviewBase)
	for name, c := range map[string]struct {
		add     string
		tier    string
		unnamed []string
	}{
		// an admin deny of a's egress names a: only the flows it decides
		// count, and b (their destination) is decided by its own policy
		"admin deny named": {`platform: admin: d: {priority: 1, subject: namespaces: ["a"], egress: [{action: "Deny", to: [{all: true}]}]}`,
			TierAdmin, nil},
		// a baseline deny of ingress everywhere but kube-system: b has its
		// own ingress policy, a and c do not
		"baseline unnamed": {`platform: baseline: d: {priority: 1, subject: namespaceSelector: matchExpressions: [{key: "kubernetes.io/metadata.name", operator: "NotIn", values: ["kube-system"]}], ingress: [{action: "Deny", from: [{namespaceSelector: {}}]}]}`,
			TierBaseline, []string{"a", "c"}},
		// a team's own policy: no platform change
		"team": {`policies: z: {namespace: "c", workload: "z", ingress: []}`, TierNamespaced, nil},
	} {
		t.Run(name, func(t *testing.T) {
			d, err := compareSides(base, reviewSide(t, "head", reviewBase+c.add+"\n"))
			if err != nil {
				t.Fatal(err)
			}
			if d.Empty() {
				t.Fatal("no change")
			}
			for _, f := range d.Flows {
				if f.Tier != c.tier {
					t.Errorf("%s → %s: tier %s, want %s", f.Src, f.Dst, f.Tier, c.tier)
				}
			}
			if !slices.Equal(d.Unnamed, c.unnamed) || d.PlatformChanged != (c.tier != TierNamespaced) {
				t.Errorf("unnamed %v (platform changed %v), want %v", d.Unnamed, d.PlatformChanged, c.unnamed)
			}
		})
	}
}
