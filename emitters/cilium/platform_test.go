package cilium

import (
	"errors"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/portset"
	"github.com/netpolc/netpolc/internal/testkit/randir"
)

// TestPlatformRefusal: the platform example cilium cannot express fails,
// with and without approximation, at the line of the rule concerned,
// with its reason: its baseline denies ingress from every pod, which is
// no isolation (outside sources stay open). Its admin tier, and
// #TenantIsolation's Pass before a Deny, Cilium expresses.
func TestPlatformRefusal(t *testing.T) {
	ex, err := randir.PlatformExamples()
	if err != nil {
		t.Fatal(err)
	}
	p := ex["platform"]
	for _, approx := range []bool{false, true} {
		_, _, err := Build(p, Options{AllowApproximate: approx})
		if !errors.Is(err, kit.ErrUnsupported) {
			t.Fatalf("approximate=%v: err = %v, want a refusal", approx, err)
		}
		ds := diag.Collect(err)
		if len(ds) != 1 || ds[0].Pos.Line == 0 || !strings.Contains(ds[0].Msg, "baseline Deny Ingress rule of \"default-deny\": Cilium has no tier after the teams' policies") {
			t.Errorf("approximate=%v: %v, want one error at the baseline rule", approx, err)
		}
	}
	objs, _, err := Build(ex["tenant-isolation"], Options{})
	if err != nil {
		t.Fatalf("tenant-isolation: %v", err)
	}
	if err := proveCilium(t, ex["tenant-isolation"], objs); err != nil {
		t.Errorf("tenant-isolation: not proven: %v", err)
	}
}

// orderCluster is a cluster of namespaces red (team=red) and blue
// (team=blue) with pods web and db, for hand-written admin tiers.
func orderCluster(cluster ...ir.ClusterPolicy) (*ir.Policy, Options) {
	p := &ir.Policy{Cluster: cluster}
	var inv inventory.Inventory
	for _, ns := range []string{"red", "blue"} {
		p.Namespaces = append(p.Namespaces, ir.Namespace{Name: ns, Labels: map[string]string{"team": ns, inventory.MetadataNameLabel: ns}})
		for _, w := range []string{"web", "db"} {
			p.Workloads = append(p.Workloads, ir.Workload{Namespace: ns, Name: w, Labels: map[string]string{"app": w}})
		}
	}
	return p, Options{Inventory: inv}
}

func team(v string) *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchLabels: map[string]string{"team": v}}
}

func adminIntent(name string, priority int32, subject *metav1.LabelSelector, rules ...ir.ClusterRule) ir.ClusterPolicy {
	cp := ir.ClusterPolicy{Tier: ir.TierAdmin, Name: name, Priority: priority, Rules: rules,
		Origin: ir.Origin{Pos: diag.Pos{File: "p.cue", Line: int(priority), Col: 2}}}
	if subject != nil {
		cp.Subject.Namespaces = *subject
	}
	return cp
}

func egressTo(a ir.Action, ns *metav1.LabelSelector, line int, ports ...ir.Port) ir.ClusterRule {
	return ir.ClusterRule{Direction: ir.Egress, Action: a, Peer: ir.Peer{Kind: ir.PeerPods, Namespaces: ns}, Ports: ports,
		Origin: ir.Origin{Pos: diag.Pos{File: "p.cue", Line: line, Col: 3}}}
}

// TestPlatformOrder: the order check refuses exactly where Cilium's deny
// precedence would decide a flow differently, at the rule Cilium gets
// wrong, naming the rule the tier decides by and the flow; orders whose
// rules never meet on a flow (other namespaces by label, other ports)
// build, though their subjects overlap syntactically.
func TestPlatformOrder(t *testing.T) {
	all := &metav1.LabelSelector{}
	tcp := func(n int32) ir.Port { return ir.Port{Protocol: portset.TCP, Number: n} }
	for name, c := range map[string]struct {
		cluster []ir.ClusterPolicy
		want    string // "": built
	}{
		"an Allow before a Deny of the same flow": {[]ir.ClusterPolicy{
			adminIntent("a", 10, nil, egressTo(ir.Allow, team("red"), 11)),
			adminIntent("b", 20, nil, egressTo(ir.Deny, all, 21))},
			`p.cue:21:3: cilium: admin Deny of "b": the earlier Allow of "a" (p.cue:11) allows blue/db → red/db on TCP/1 first, and a Cilium deny wins over every allow`},
		"a Pass before an Allow": {[]ir.ClusterPolicy{
			adminIntent("a", 10, nil, egressTo(ir.Pass, team("red"), 11)),
			adminIntent("b", 20, team("blue"), egressTo(ir.Allow, all, 21)),
			{Tier: ir.TierBaseline, Name: "iso", Priority: 5, Rules: []ir.ClusterRule{{Direction: ir.Egress, Action: ir.Deny, Peer: ir.Peer{Kind: ir.PeerAll}}}}},
			`admin Allow of "b": the earlier Pass of "a" (p.cue:11) hands blue/db → red/db on TCP/1 to the teams' policies and the baseline, which deny it`},
		"subjects apart by label": {[]ir.ClusterPolicy{
			adminIntent("a", 10, team("red"), egressTo(ir.Allow, all, 11)),
			adminIntent("b", 20, team("blue"), egressTo(ir.Deny, all, 21))}, ""},
		"ports apart": {[]ir.ClusterPolicy{
			adminIntent("a", 10, nil, egressTo(ir.Allow, all, 11, tcp(80))),
			adminIntent("b", 20, nil, egressTo(ir.Deny, all, 21, tcp(443)))}, ""},
		"a Deny after a Pass of its own intent": {[]ir.ClusterPolicy{
			adminIntent("a", 10, team("red"), egressTo(ir.Pass, team("red"), 11), egressTo(ir.Deny, all, 12))}, ""},
	} {
		p, opts := orderCluster(c.cluster...)
		objs, _, err := Build(p, opts)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", name, err)
		case c.want == "" && len(objs) == 0:
			t.Errorf("%s: nothing emitted", name)
		case c.want == "":
			if err := proveCilium(t, p, objs); err != nil {
				t.Errorf("%s: built, not proven: %v", name, err)
			}
		case c.want != "" && (!errors.Is(err, kit.ErrUnsupported) || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: err = %v\nwant %q", name, err, c.want)
		}
	}
}
