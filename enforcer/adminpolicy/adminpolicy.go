// Package adminpolicy interprets emitted admin network policies
// (policy.networking.k8s.io ClusterNetworkPolicy v1alpha2,
// AdminNetworkPolicy and BaselineAdminNetworkPolicy v1alpha1) with the
// evaluation model's admin-tier semantics
// (enforcer.FromClusterNetworkPolicies, enforcer.FromAdminNetworkPolicies,
// enforcer.FromBaselineAdminNetworkPolicies).
package adminpolicy

import (
	"fmt"

	"github.com/netpolc/netpolc/emitters/adminpolicy/adminapi"
	"github.com/netpolc/netpolc/enforcer"
)

// Interpreter reads an *adminapi.Objects.
type Interpreter struct{}

var _ enforcer.Interpreter = Interpreter{}

// Interpret reads the objects into the model's policies.
// The objects are read as the CRDs of the API version and channel the
// settings name (adminapi.APIFrom): an object or field they do not have
// is an error. Host-network pods of the inventory are outside every
// subject and namespaces or pods peer (hostnetwork.go). With pod CIDRs
// declared, pods of unknown address are also read inside them, where
// networks peers may match them.
func (Interpreter) Interpret(objects any, in enforcer.InterpretInput) (*enforcer.Reading, error) {
	objs, ok := objects.(*adminapi.Objects)
	if !ok {
		return nil, fmt.Errorf("adminpolicy interpreter: got %T, want *adminapi.Objects", objects)
	}
	api, err := adminapi.APIFrom(in.Settings)
	if err != nil {
		return nil, fmt.Errorf("%w: adminpolicy interpreter: %v", enforcer.ErrInvalid, err)
	}
	if objs != nil {
		if err := checkFields(objs, api); err != nil {
			return nil, err
		}
		if err := checkTies(objs); err != nil {
			return nil, err
		}
	}
	seen, err := seenInventory(in.Inventory)
	if err != nil {
		return nil, err
	}
	if objs != nil {
		objs = asSeen(objs)
	}
	ps, err := Policies(objs)
	if err != nil {
		return nil, err
	}
	r := &enforcer.Reading{Policies: ps, Inventory: &seen}
	// Networks peers match pods by address too (network-policy-api
	// apis/v1alpha2/clusternetworkpolicy_types.go, Networks: a rule that
	// must not catch pod traffic needs a Pass for the pods before it), so
	// a pod whose IP the build does not know is, for the proof, at every
	// address of the pod CIDRs the networks tell apart.
	r.Placed, err = enforcer.PlaceUnknownPods(seen, in.PodCIDRs, ps)
	return r, err
}

// Policies reads the objects into the model's policies.
func Policies(objs *adminapi.Objects) (enforcer.Policies, error) {
	if objs == nil {
		return enforcer.Policies{}, nil
	}
	cnps := make([]enforcer.SourcedClusterNetworkPolicy, len(objs.ClusterNetworkPolicies))
	for i := range objs.ClusterNetworkPolicies {
		cnps[i].ClusterNetworkPolicy = objs.ClusterNetworkPolicies[i]
	}
	anps := make([]enforcer.SourcedAdminNetworkPolicy, len(objs.AdminNetworkPolicies))
	for i := range objs.AdminNetworkPolicies {
		anps[i].AdminNetworkPolicy = objs.AdminNetworkPolicies[i]
	}
	c, err := enforcer.FromClusterNetworkPolicies(cnps)
	if err != nil {
		return enforcer.Policies{}, err
	}
	a, err := enforcer.FromAdminNetworkPolicies(anps)
	if err != nil {
		return enforcer.Policies{}, err
	}
	var banps []enforcer.SourcedBaselineAdminNetworkPolicy
	if objs.BaselineAdminNetworkPolicy != nil {
		banps = append(banps, enforcer.SourcedBaselineAdminNetworkPolicy{BaselineAdminNetworkPolicy: *objs.BaselineAdminNetworkPolicy})
	}
	bp, err := enforcer.FromBaselineAdminNetworkPolicies(banps)
	if err != nil {
		return enforcer.Policies{}, err
	}
	return enforcer.Join(c, a, bp), nil
}
