package enforcer

import "github.com/netpolc/netpolc/internal/manifests"

// The Sourced… types promise to convert from the manifests package's
// wrappers with a plain conversion; this keeps the promise checked.
var (
	_ = SourcedNetworkPolicy(manifests.NetworkPolicy{})
	_ = SourcedClusterNetworkPolicy(manifests.ClusterNetworkPolicy{})
	_ = SourcedAdminNetworkPolicy(manifests.AdminNetworkPolicy{})
	_ = SourcedBaselineAdminNetworkPolicy(manifests.BaselineAdminNetworkPolicy{})
)
