package knp

import (
	"slices"

	networkingv1 "k8s.io/api/networking/v1"
	"sigs.k8s.io/network-policy-api/apis/v1alpha1"

	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/portset"
)

// Ports are the ports worth probing for objs over inv, per protocol:
// 53, 80, 81 and 443; every container port; and each port and range
// bound the policies name, with its neighbours (where off-by-one errors
// show).
func Ports(inv inventory.Inventory, objs Objects) map[portset.Protocol][]int32 {
	nums := []int32{53, 80, 81, 443}
	for _, ep := range inv.Endpoints {
		for _, p := range ep.Ports {
			nums = append(nums, p.Port)
		}
	}
	edges := func(first, last int32) { nums = append(nums, first-1, first, last, last+1) }
	for _, np := range objs.NetworkPolicies {
		var ps []networkingv1.NetworkPolicyPort
		for _, r := range np.Spec.Ingress {
			ps = append(ps, r.Ports...)
		}
		for _, r := range np.Spec.Egress {
			ps = append(ps, r.Ports...)
		}
		for _, p := range ps {
			if p.Port != nil && p.Port.IntValue() > 0 {
				last := int32(p.Port.IntValue())
				if p.EndPort != nil {
					last = *p.EndPort
				}
				edges(int32(p.Port.IntValue()), last)
			}
		}
	}
	for _, a := range objs.ANPs {
		for _, r := range a.Spec.Ingress {
			anpEdges(r.Ports, edges)
		}
		for _, r := range a.Spec.Egress {
			anpEdges(r.Ports, edges)
		}
	}
	for _, b := range objs.BANPs {
		for _, r := range b.Spec.Ingress {
			anpEdges(r.Ports, edges)
		}
		for _, r := range b.Spec.Egress {
			anpEdges(r.Ports, edges)
		}
	}
	nums = slices.DeleteFunc(nums, func(n int32) bool { return n < 1 || n > 65535 })
	slices.Sort(nums)
	nums = slices.Compact(nums)
	out := map[portset.Protocol][]int32{}
	for _, proto := range portset.Protocols {
		out[proto] = nums
	}
	return out
}

// anpEdges adds the bounds of admin policy ports.
func anpEdges(ps *[]v1alpha1.AdminNetworkPolicyPort, edges func(first, last int32)) {
	if ps == nil {
		return
	}
	for _, p := range *ps {
		switch {
		case p.PortNumber != nil:
			edges(p.PortNumber.Port, p.PortNumber.Port)
		case p.PortRange != nil:
			edges(p.PortRange.Start, p.PortRange.End)
		}
	}
}
