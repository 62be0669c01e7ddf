package cilium

import (
	"errors"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netpolc/netpolc/emitters/cilium/ciliumapi"
	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/internal/ir"
	. "github.com/netpolc/netpolc/internal/testkit/irfix"
)

// TestIdentityLabelFilter is the emitter half of issue 10 defect 2: a
// selector on a label Cilium's identity label filter drops
// (pkg/labelsfilter) selects differently in Cilium than in
// NetworkPolicy, so the emitter refuses it at the intent line, whatever
// approximation says; a filter that keeps the label (the agent's
// --labels, as the build names it) lets it through.
func TestIdentityLabelFilter(t *testing.T) {
	hashed := Subject("shop", "web", map[string]string{"app": "web", "pod-template-hash": "abc"})
	notIn := func(key string) *metav1.LabelSelector {
		return &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: key, Operator: metav1.LabelSelectorOpNotIn, Values: []string{"x"}}}}
	}
	cases := map[string]struct {
		p     *ir.Policy
		label string
		line  string
	}{
		"subject": {&ir.Policy{Isolations: []ir.Isolation{Isolate(hashed, ir.Ingress, 7)}}, "pod-template-hash", "shop.cue:7:3"},
		"pod peer": {&ir.Policy{Isolations: []ir.Isolation{Isolate(Web, ir.Ingress, 1)},
			Rules: []ir.Rule{Allow(Web, ir.Ingress, ir.Peer{Kind: ir.PeerPods, Pods: notIn("statefulset.kubernetes.io/pod-name")}, 9)}},
			"statefulset.kubernetes.io/pod-name", "shop.cue:9:3"},
		"namespace peer": {&ir.Policy{Isolations: []ir.Isolation{Isolate(Web, ir.Ingress, 1)},
			Rules: []ir.Rule{Allow(Web, ir.Ingress, ir.Peer{Kind: ir.PeerPods, Namespaces: notIn("beta.kubernetes.io/arch")}, 11)}},
			"beta.kubernetes.io/arch", "shop.cue:11:3"},
		// Kubernetes 1.35 copies node topology labels onto pods; Cilium
		// drops them (cilium/cilium#43725, found by internal/crosscheck/cilium).
		"topology peer": {&ir.Policy{Isolations: []ir.Isolation{Isolate(Web, ir.Ingress, 1)},
			Rules: []ir.Rule{Allow(Web, ir.Ingress, ir.Peer{Kind: ir.PeerPods, Pods: notIn("topology.kubernetes.io/zone")}, 13)}},
			"topology.kubernetes.io/zone", "shop.cue:13:3"},
	}
	for name, tt := range cases {
		for _, approx := range []bool{false, true} {
			_, _, err := Build(tt.p, Options{AllowApproximate: approx})
			if !errors.Is(err, kit.ErrUnsupported) || !strings.Contains(err.Error(), tt.label) ||
				!strings.Contains(err.Error(), "identity label filter") || !strings.Contains(err.Error(), tt.line) {
				t.Errorf("%s (approximate %v): error %v, want an unsupported identity label %q at %s", name, approx, err, tt.label, tt.line)
			}
		}
	}
	// The cluster's own --labels count: excluding team makes it
	// unselectable; including app keeps app (and drops team, since an
	// include makes the filter a whitelist).
	team := &ir.Policy{Isolations: []ir.Isolation{Isolate(Subject("shop", "web", map[string]string{"team": "a"}), ir.Ingress, 7)}}
	for _, extra := range [][]string{{"k8s:!team"}, {"k8s:app"}} {
		f, err := ciliumapi.NewLabelFilter(extra)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := Build(team, Options{Labels: f}); !errors.Is(err, kit.ErrUnsupported) || !strings.Contains(err.Error(), `"team"`) {
			t.Errorf("labels %v: selecting team: error %v, want it refused", extra, err)
		}
		if _, _, err := Build(team, Options{}); err != nil {
			t.Errorf("default filter: selecting team: %v", err)
		}
	}
	f, _ := ciliumapi.NewLabelFilter([]string{"k8s:app"})
	if _, _, err := Build(&ir.Policy{Isolations: []ir.Isolation{Isolate(Web, ir.Ingress, 7)}}, Options{Labels: f}); err != nil {
		t.Errorf("labels k8s:app: selecting app: %v", err)
	}
	// Namespace names and ordinary labels are identity labels.
	ok := &ir.Policy{Isolations: []ir.Isolation{Isolate(Web, ir.Ingress, 1)},
		Rules: []ir.Rule{Allow(Web, ir.Ingress, ir.Peer{Kind: ir.PeerPods, Namespaces: notIn("kubernetes.io/metadata.name"), Pods: Sel(App("api"))}, 9)}}
	if _, _, err := Build(ok, Options{}); err != nil {
		t.Errorf("namespace name and app labels: %v", err)
	}
}
