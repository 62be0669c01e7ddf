package compiler

import (
	"cmp"
	"slices"

	"github.com/netpolc/netpolc/internal/ir"
)

// checkTies rejects two intents of one tier and priority whose rules may
// decide the same connection differently: upstream leaves the order of
// equal priorities to the implementation (network-policy-api
// apis/v1alpha2/clusternetworkpolicy_types.go, Priority: "the behavior is
// undefined"), so no target could be proven to follow the one the model
// picks. Two intents may tie when, in each direction, they do not both
// have rules, their rules all have one action, or their subjects name
// disjoint namespaces: then the order cannot change a verdict.
func (c *compiler) checkTies() {
	pols := c.out.Cluster
	for i := range pols {
		for j := range i {
			a, b := &pols[j], &pols[i]
			if a.Tier != b.Tier || a.Priority != b.Priority || !overlap(a, b) {
				continue
			}
			first, second := a, b
			if originLess(b.Origin, a.Origin) {
				first, second = b, a
			}
			c.diags.Add(second.Origin.Pos, second.Origin.Path,
				"give one of them another priority (lower is decided first), or make their subjects select disjoint namespaces (names, or different values of one label)",
				"%s intents %q and %q (%s) share priority %d and have rules that may meet the same connection with different actions; "+
					"upstream leaves the order of equal priorities to the implementation",
				second.Tier, first.Name, second.Name, first.Origin, second.Priority)
		}
	}
}

// overlap reports whether the order of two intents can matter.
func overlap(a, b *ir.ClusterPolicy) bool {
	if disjointNamespaces(a.Subject, b.Subject) {
		return false
	}
	for _, d := range []ir.Direction{ir.Ingress, ir.Egress} {
		actions := map[ir.Action]bool{}
		var inA, inB bool
		for _, r := range a.Rules {
			if r.Direction == d {
				inA, actions[r.Action] = true, true
			}
		}
		for _, r := range b.Rules {
			if r.Direction == d {
				inB, actions[r.Action] = true, true
			}
		}
		if inA && inB && len(actions) > 1 {
			return true
		}
	}
	return false
}

// sortCluster orders the cluster-wide policies: admin tier first, then
// priority, then name. Rules keep their order (it is their meaning); their
// ports are sorted.
func sortCluster(p *ir.Policy) {
	rank := func(t ir.Tier) int {
		if t == ir.TierAdmin {
			return 0
		}
		return 1
	}
	slices.SortStableFunc(p.Cluster, func(a, b ir.ClusterPolicy) int {
		return cmp.Or(cmp.Compare(rank(a.Tier), rank(b.Tier)), cmp.Compare(a.Priority, b.Priority), cmp.Compare(a.Name, b.Name))
	})
	for i := range p.Cluster {
		for j := range p.Cluster[i].Rules {
			sortPorts(p.Cluster[i].Rules[j].Ports)
		}
	}
}

// disjointNamespaces reports whether two subjects provably select no
// common namespace: they name disjoint lists, or require different values
// of one label.
func disjointNamespaces(a, b ir.ClusterSubject) bool {
	if a.NamespaceNames != nil && b.NamespaceNames != nil &&
		!slices.ContainsFunc(a.NamespaceNames, func(n string) bool { return slices.Contains(b.NamespaceNames, n) }) {
		return true
	}
	for k, v := range a.Namespaces.MatchLabels {
		if w, ok := b.Namespaces.MatchLabels[k]; ok && w != v {
			return true
		}
	}
	return false
}
