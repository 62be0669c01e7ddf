// Package adminapi holds the objects the adminpolicy target emits and the
// API version and channel they are for: what its emitter
// (emitters/adminpolicy) and its interpreter (enforcer/adminpolicy)
// share, so that the interpreter reads what was emitted without
// depending on how it was built.
package adminapi

import (
	"sigs.k8s.io/network-policy-api/apis/v1alpha1"
	"sigs.k8s.io/network-policy-api/apis/v1alpha2"
)

// Objects is the adminpolicy target's output: ClusterNetworkPolicies
// (policy.networking.k8s.io/v1alpha2) by default, or AdminNetworkPolicies
// (v1alpha1) with admin-api-version v1alpha1, each sorted by name. Both
// kinds are cluster-scoped. With v1alpha1, the platform layer's baseline
// intents are the BaselineAdminNetworkPolicy, a cluster singleton named
// "default" (nil when there are none).
type Objects struct {
	ClusterNetworkPolicies     []v1alpha2.ClusterNetworkPolicy
	AdminNetworkPolicies       []v1alpha1.AdminNetworkPolicy
	BaselineAdminNetworkPolicy *v1alpha1.BaselineAdminNetworkPolicy
}
