package calico

import (
	"github.com/netpolc/netpolc/emitters/calico/calicoapi"
)

// enforced is what the objects enforce once their staged policies are
// (build --staged): each staged policy read as the policy of the same
// spec, as Calico's own ConvertStagedPolicyToEnforced does for
// stagedAction Set (projectcalico/calico v3.32.1,
// api/pkg/apis/projectcalico/v3/stagednetworkpolicy.go and
// stagedglobalnetworkpolicy.go). A staged reading refuses enforcing
// policies (the staged build must change no traffic), staged actions
// other than Set (Delete, Learn and Ignore stage no policy to check) and
// Calico before 3.30, which has no staged policies; an enforcing reading
// refuses staged policies, which would enforce nothing. Tiers are kept:
// while only staged policies of a tier select an endpoint, felix ends
// the tier in Pass (felix/rules/endpoints.go), so what the tiers do is
// read for the enforced form they stage.
func (rd *reader) enforced(objs *calicoapi.Objects, staged bool) (*calicoapi.Objects, error) {
	if objs == nil {
		return nil, nil
	}
	nStaged := len(objs.StagedNetworkPolicies) + len(objs.StagedGlobalNetworkPolicies)
	if !staged {
		if nStaged > 0 {
			return nil, unsupported("%d staged policies: they enforce nothing (read them with --staged)", nStaged)
		}
		return objs, nil
	}
	if !rd.version.AtLeast(calicoapi.StagedFrom.Major, calicoapi.StagedFrom.Minor) {
		return nil, invalid("Calico %s has no staged policies (from %s)", rd.version, calicoapi.StagedFrom)
	}
	if n := len(objs.NetworkPolicies) + len(objs.GlobalNetworkPolicies); n > 0 {
		return nil, invalid("a staged build holds %d enforcing policies", n)
	}
	out := &calicoapi.Objects{Tiers: objs.Tiers}
	for _, s := range objs.StagedNetworkPolicies {
		if s.Spec.StagedAction != "" && s.Spec.StagedAction != calicoapi.StagedActionSet {
			return nil, unsupported("%s %s/%s: stagedAction %s", calicoapi.KindStagedNetworkPolicy, s.Namespace, s.Name, s.Spec.StagedAction)
		}
		out.NetworkPolicies = append(out.NetworkPolicies, calicoapi.NetworkPolicy{ObjectMeta: s.ObjectMeta, Spec: s.Spec.PolicySpec})
	}
	for _, s := range objs.StagedGlobalNetworkPolicies {
		if s.Spec.StagedAction != "" && s.Spec.StagedAction != calicoapi.StagedActionSet {
			return nil, unsupported("%s %s: stagedAction %s", calicoapi.KindStagedGlobalNetworkPolicy, s.Name, s.Spec.StagedAction)
		}
		out.GlobalNetworkPolicies = append(out.GlobalNetworkPolicies, calicoapi.GlobalNetworkPolicy{ObjectMeta: s.ObjectMeta, Spec: s.Spec.GlobalPolicySpec})
	}
	return out, nil
}
