package adminpolicy

import (
	"fmt"
	"slices"

	"github.com/netpolc/netpolc/emitters/adminpolicy/adminapi"
	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/internal/ir"
)

// Fields by API version and CRD channel (network-policy-api config/crd;
// adminapi's package comment names the releases read). Of the fields
// netpolc writes, two are not in every CRD:
//
//   - v1alpha1 ports[].namedPort: experimental channel only (the standard
//     AdminNetworkPolicy CRD has portNumber and portRange); v1alpha2
//     protocols[].destinationNamedPort is standard;
//   - egress to[].domainNames: experimental channel only, in both
//     versions (v1alpha1 AdminNetworkPolicy; BaselineAdminNetworkPolicy
//     has none in either channel, and netpolc emits none).

// supportsDomainNames reports whether the CRDs of version and channel
// have egress to[].domainNames (upstream: the experimental
// policy.networking.k8s.io_clusternetworkpolicies.yaml of v0.2.0 and
// policy.networking.k8s.io_adminnetworkpolicies.yaml of v0.1.8; neither
// standard one). "" is the default of each (v1alpha2, standard).
func supportsDomainNames(version, channel string) bool {
	api, err := adminapi.ParseAPI(version, channel)
	return err == nil && api.Experimental()
}

// podPorts returns the ports of a rule towards pods (the workloads dsts
// the build knows) as the API's CRD can hold them. Without a named port
// field (v1alpha1, standard channel) a named port that no destination
// declares allows nothing (named ports resolve per destination pod) and is
// left out; any other fails, or under AllowApproximate is dropped with the
// rule's narrowing noted. keep is false when that left a rule that had
// ports without any (it then allows nothing: no ports would mean every
// port).
func (b *builder) podPorts(r ir.Rule, ports []port, dsts []ir.Workload) (out []port, keep bool, errs []error) {
	if !b.opts.API.V1Alpha1() || b.opts.API.Experimental() {
		return ports, true, nil
	}
	for _, p := range ports {
		if p.name == "" {
			out = append(out, p)
			continue
		}
		i := slices.IndexFunc(dsts, func(w ir.Workload) bool { return kit.Declares(w, p.name, p.proto) })
		if i < 0 {
			continue
		}
		why := fmt.Sprintf("named port %s/%s, which %s/%s declares: v1alpha1 ports[].namedPort exists only in the experimental channel's "+
			"AdminNetworkPolicy CRD (the standard CRD prunes it and rejects the object; v1alpha2 destinationNamedPort is standard)",
			p.proto, p.name, dsts[i].Namespace, dsts[i].Name)
		fix := fmt.Sprintf("write the port number in the intent, or set --%s=%s if the cluster runs the experimental CRDs, or --%s=%s",
			adminapi.SettingChannel, adminapi.Experimental, adminapi.SettingVersion, adminapi.V1Alpha2)
		if err := b.approximate(r, fmt.Sprintf("port %s/%s left out", p.proto, p.name), why, fix); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return nil, false, errs
	}
	return out, ports == nil || len(out) > 0, nil
}
