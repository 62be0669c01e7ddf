package kit

import (
	"fmt"

	"github.com/netpolc/netpolc/internal/ir"
)

// clusterWideHint names the target that expresses the platform layer.
const clusterWideHint = "build the platform layer with the adminpolicy target (ClusterNetworkPolicy Admin/Baseline tiers, or AdminNetworkPolicy/BaselineAdminNetworkPolicy with --admin-api-version=v1alpha1), or the calico target (GlobalNetworkPolicy tiers, Calico 3.29 or later)"

// RefuseClusterWide records one error per cluster-wide intent of p, at
// its line, for a target that cannot express the admin and baseline tiers
// yet: leaving them out would emit a policy wider than the intents (an
// admin deny dropped) or narrower in ways the proof cannot bound (an
// admin allow dropped), so the target fails closed.
func (e *Errors) RefuseClusterWide(p *ir.Policy) {
	for _, cp := range p.Cluster {
		e.At(cp.Origin, Hinted(Unsupported(fmt.Sprintf("%s intent %q is cluster-wide, and this target cannot yet express the platform layer's admin and baseline tiers",
			cp.Tier, cp.Name)), clusterWideHint))
	}
}
