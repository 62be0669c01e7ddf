package adminpolicy

import (
	"net/netip"

	"github.com/netpolc/netpolc/emitters/adminpolicy/adminapi"
)

// networks are the objects' egress networks peers (the only peers that
// match by address). They match pods by address too (network-policy-api
// apis/v1alpha2/clusternetworkpolicy_types.go, Networks: a rule that
// must not catch pod traffic needs a Pass for the pods before it), so a
// pod whose IP the build does not know is, for the proof, at every
// address of the pod CIDRs they tell apart (enforcer.PlaceUnknownPods).
// Unparseable CIDRs are left to the CRD's own validation (checkFields).
func networks(objs *adminapi.Objects) []netip.Prefix {
	var out []netip.Prefix
	add := func(cidrs []string) {
		for _, c := range cidrs {
			if p, err := netip.ParsePrefix(c); err == nil {
				out = append(out, p.Masked())
			} else if a, err := netip.ParseAddr(c); err == nil {
				out = append(out, netip.PrefixFrom(a, a.BitLen()))
			}
		}
	}
	for _, p := range objs.ClusterNetworkPolicies {
		for _, r := range p.Spec.Egress {
			for _, to := range r.To {
				add(cidrStrings(to.Networks))
			}
		}
	}
	for _, p := range objs.AdminNetworkPolicies {
		for _, r := range p.Spec.Egress {
			for _, to := range r.To {
				add(cidrStrings(to.Networks))
			}
		}
	}
	if b := objs.BaselineAdminNetworkPolicy; b != nil {
		for _, r := range b.Spec.Egress {
			for _, to := range r.To {
				add(cidrStrings(to.Networks))
			}
		}
	}
	return out
}

// cidrStrings are the API's CIDR values as strings.
func cidrStrings[C ~string](cs []C) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = string(c)
	}
	return out
}
