package randir

import (
	"fmt"
	"math/rand/v2"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netpolc/netpolc/internal/ir"
)

// WithCluster returns a copy of p with a random platform layer,
// determined by seed: one to three admin policies and at most one baseline
// policy (v1alpha1 has a single baseline object), each with ordered rules
// of every action its tier has, subjects across namespaces (every pod,
// namespaces by labels or names, pods within them) and peers of every kind
// but FQDN. Priorities are distinct, so no order is left to the
// implementation.
func WithCluster(p *ir.Policy, seed int64) *ir.Policy {
	q := *p
	q.Cluster = slices.Clone(p.Cluster)
	g := &gen{r: rand.New(rand.NewPCG(uint64(seed), 0x706c6174666f726d)), p: &q, line: 10000}
	for i := range 1 + g.r.IntN(3) {
		q.Cluster = append(q.Cluster, g.clusterPolicy(ir.TierAdmin, fmt.Sprintf("admin-%d", i), int32(10*i+g.r.IntN(10))))
	}
	if g.chance(60) {
		q.Cluster = append(q.Cluster, g.clusterPolicy(ir.TierBaseline, "baseline", int32(g.r.IntN(1001))))
	}
	return &q
}

// clusterPolicy draws one policy of a tier.
func (g *gen) clusterPolicy(tier ir.Tier, name string, priority int32) ir.ClusterPolicy {
	cp := ir.ClusterPolicy{Tier: tier, Name: name, Priority: priority, Origin: g.origin(), Subject: g.clusterSubject()}
	actions := []ir.Action{ir.Allow, ir.Deny, ir.Pass}
	if tier == ir.TierBaseline {
		actions = actions[:2]
	}
	for range 1 + g.r.IntN(4) {
		r := ir.ClusterRule{Direction: g.direction(), Action: pick(g.r, actions), Ports: g.ports(), Origin: g.origin()}
		r.Peer = g.clusterPeer(r.Direction)
		cp.Rules = append(cp.Rules, r)
	}
	return cp
}

// clusterSubject draws a subject across namespaces.
func (g *gen) clusterSubject() ir.ClusterSubject {
	var s ir.ClusterSubject
	switch n := g.r.IntN(100); {
	case n < 30:
	case n < 60:
		s.Namespaces = metav1.LabelSelector{MatchLabels: map[string]string{"team": pick(g.r, teams)}}
	default:
		names := []string{pick(g.r, g.p.Namespaces).Name, pick(g.r, g.p.Namespaces).Name}
		slices.Sort(names)
		s.NamespaceNames = slices.Compact(names)
		s.Namespaces = metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
			{Key: nameLabel, Operator: metav1.LabelSelectorOpIn, Values: s.NamespaceNames}}}
	}
	if ps := g.podSelector(); ps != nil && g.chance(30) {
		s.Pods = *ps
	}
	return s
}

// clusterPeer draws a peer; pod peers always name their namespaces (a
// cluster-wide rule has no own namespace), ingress peers are mostly pods.
func (g *gen) clusterPeer(d ir.Direction) ir.Peer {
	for {
		p := g.peer()
		if d == ir.Ingress && (p.Kind == ir.PeerCIDR || p.Kind == ir.PeerWorld || p.Kind == ir.PeerAll) && !g.chance(10) {
			continue
		}
		if p.Namespaces == nil && (p.Kind == ir.PeerPods || p.Kind == ir.PeerWorkload || p.Kind == ir.PeerDNS) {
			p.Namespaces = nameSel(pick(g.r, g.p.Namespaces).Name)
		}
		return p
	}
}
