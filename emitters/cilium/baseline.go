package cilium

import (
	"fmt"

	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/internal/ir"
)

// The baseline tier. Cilium has no tier after the teams' policies, but a
// baseline intent whose first rule of a direction denies everything is an
// isolation: a CCNP with that direction's section allowing nothing (and
// default deny on) puts its pods into default deny, so that what passes
// is the teams' allows (where a team isolates them, as the model decides
// by the teams' policies) plus the admin allows, minus the admin denies,
// and for pods no team isolates, the admin allows only: the baseline Deny
// after them. Every other baseline rule (an Allow, a Deny of less than
// everything, which on ingress includes a Deny from every pod) would need
// a tier Cilium lacks and is refused.

// baseline adds the isolation of a baseline intent, or refuses it at the
// first rule that is not one.
func (b *builder) baseline(cp *ir.ClusterPolicy) *clusterPolicy {
	var iso [2]bool
	first := firstRules(cp)
	ok := true
	for d, r := range first {
		switch {
		case r == nil:
		case r.Action == ir.Deny && r.Peer.Kind == ir.PeerAll && len(r.Ports) == 0:
			iso[d] = true
		default:
			ok = false
			b.errs.At(r.Origin, kit.Hinted(kit.Unsupported(fmt.Sprintf(
				"baseline %s %s rule of %q: Cilium has no tier after the teams' policies; only a baseline whose first rule of a direction denies everything (every peer, every port) is expressible, as an isolation", r.Action, r.Direction, cp.Name)), platformHint))
		}
	}
	if !ok {
		return nil
	}
	pol, ok := b.clusterPolicyOf(cp)
	if !ok {
		return nil
	}
	pol.isolated = iso
	for _, r := range first {
		if r != nil {
			pol.from.Add(r.Origin)
		}
	}
	return pol
}
