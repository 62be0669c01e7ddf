package adminpolicy

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/netpolc/netpolc/emitters/adminpolicy/adminapi"
	"github.com/netpolc/netpolc/enforcer"
)

// Equal priorities. Upstream leaves the order of two policies of one tier
// and priority to the implementation (network-policy-api
// apis/v1alpha2/clusternetworkpolicy_types.go, Priority: "the behavior is
// undefined if two policies have the same priority"; the same in
// apis/v1alpha1), while the model orders them by name. Where the order
// cannot matter, all rules of those policies have one action (each
// traffic is then decided the same whichever matches first); otherwise the
// reading fails closed rather than prove an order the cluster may not
// follow.

// tie is the key of policies evaluated in an undefined order.
type tie struct {
	tier     string
	priority int32
}

// checkTies returns an error when policies of one tier and priority
// have rules of different actions in one direction.
func checkTies(objs *adminapi.Objects) error {
	type seen struct {
		names   []string
		actions [2]map[string]bool // ingress, egress
	}
	groups := map[tie]*seen{}
	add := func(k tie, name string, in, out []string) {
		g := groups[k]
		if g == nil {
			g = &seen{actions: [2]map[string]bool{{}, {}}}
			groups[k] = g
		}
		g.names = append(g.names, name)
		for _, a := range in {
			g.actions[0][a] = true
		}
		for _, a := range out {
			g.actions[1][a] = true
		}
	}
	for _, c := range objs.ClusterNetworkPolicies {
		var in, out []string
		for _, r := range c.Spec.Ingress {
			in = append(in, string(r.Action))
		}
		for _, r := range c.Spec.Egress {
			out = append(out, string(r.Action))
		}
		add(tie{string(c.Spec.Tier), c.Spec.Priority}, c.Name, in, out)
	}
	for _, a := range objs.AdminNetworkPolicies {
		var in, out []string
		for _, r := range a.Spec.Ingress {
			in = append(in, string(r.Action))
		}
		for _, r := range a.Spec.Egress {
			out = append(out, string(r.Action))
		}
		add(tie{"AdminNetworkPolicy", a.Spec.Priority}, a.Name, in, out)
	}
	keys := slices.SortedFunc(maps.Keys(groups), func(a, b tie) int {
		return cmp.Or(cmp.Compare(a.tier, b.tier), cmp.Compare(a.priority, b.priority))
	})
	for _, k := range keys {
		g := groups[k]
		if len(g.names) < 2 {
			continue
		}
		for d, dir := range []string{"ingress", "egress"} {
			if len(g.actions[d]) > 1 {
				return fmt.Errorf("%w: adminpolicy interpreter: %s and %s have the same tier %s and priority %d and %s rules of different actions (%s): "+
					"upstream leaves their order to the implementation, so no verdict can be proven", enforcer.ErrInvalid,
					g.names[0], g.names[1], k.tier, k.priority, dir, strings.Join(slices.Sorted(maps.Keys(g.actions[d])), ", "))
			}
		}
	}
	return nil
}
