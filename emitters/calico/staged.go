package calico

import (
	"fmt"

	"github.com/netpolc/netpolc/emitters/calico/calicoapi"
	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/internal/ir"
)

// stagedTiersNote is the build warning of a staged Calico build: what
// keeps the tiers from enforcing.
const stagedTiersNote = "staged: the Tier objects are written as for enforcement (a staged policy's tier must exist); " +
	"a tier in which every policy selecting an endpoint is staged ends in Pass for it, never in its defaultAction " +
	"(projectcalico/calico v3.32.1 felix/rules/endpoints.go), so they change no traffic unless enforced policies of your own sit in the netpolc tiers"

// stage turns the objects into their staged form (build --staged): each
// NetworkPolicy a StagedNetworkPolicy and each GlobalNetworkPolicy a
// StagedGlobalNetworkPolicy with the same name, tier, order, selectors
// and rules and stagedAction Set. Felix programs no staged policy
// (felix/rules/policy.go) and, for an endpoint only staged policies of a
// tier select, renders no end-of-tier drop (felix/rules/endpoints.go: the
// end-of-tier drop is rendered only when some policy group of the tier
// holds a policy that is not staged; otherwise the tier passes), so the
// tiers stay and enforce nothing either. Staged policies are in open-source Calico from
// 3.30.
func stage(objs *calicoapi.Objects, v calicoapi.Version) error {
	if !v.AtLeast(calicoapi.StagedFrom.Major, calicoapi.StagedFrom.Minor) {
		return kit.NoStagedForm(targetName, fmt.Sprintf("Calico %s has no staged policies (open-source Calico has them from %s)", v, calicoapi.StagedFrom))
	}
	for _, np := range objs.NetworkPolicies {
		objs.StagedNetworkPolicies = append(objs.StagedNetworkPolicies, calicoapi.StagedNetworkPolicy{
			ObjectMeta: np.ObjectMeta, Spec: calicoapi.StagedPolicySpec{StagedAction: calicoapi.StagedActionSet, PolicySpec: np.Spec}})
	}
	for _, g := range objs.GlobalNetworkPolicies {
		objs.StagedGlobalNetworkPolicies = append(objs.StagedGlobalNetworkPolicies, calicoapi.StagedGlobalNetworkPolicy{
			ObjectMeta: g.ObjectMeta, Spec: calicoapi.StagedGlobalPolicySpec{StagedAction: calicoapi.StagedActionSet, GlobalPolicySpec: g.Spec}})
	}
	objs.NetworkPolicies, objs.GlobalNetworkPolicies = nil, nil
	return nil
}

// stagedWarnings is what a staged build tells the user.
func stagedWarnings(objs *calicoapi.Objects) []kit.Warning {
	if objs == nil || len(objs.Tiers) == 0 {
		return nil
	}
	return []kit.Warning{{Origin: ir.Origin{}, Message: stagedTiersNote}}
}
