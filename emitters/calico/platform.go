package calico

import (
	"cmp"
	"fmt"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netpolc/netpolc/emitters/calico/calicoapi"
	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/internal/ir"
)

// The platform layer (ir.ClusterPolicy) maps onto Calico's tiers
// (docs.tigera.io "Get started with policy tiers"; api/pkg/apis/
// projectcalico/v3/tier.go): tiers are evaluated by order, the policies of
// a tier by order then name, the first matching rule decides, Pass goes on
// to the next tier, and an endpoint some policy of a tier selects meets
// the tier's defaultAction when no rule matched (an endpoint none selects
// skips the tier). So:
//
//   - admin intents are GlobalNetworkPolicies of the tier
//     "netpolc-platform", ordered before the teams' tier "netpolc", with
//     their priority as order and their rules in order, Allow, Deny and
//     Pass as they are; the tier ends with defaultAction Pass, so that a
//     connection no admin rule matches goes on to the teams' policies;
//   - baseline intents likewise in "netpolc-baseline", after the teams'
//     tier (which ends with Deny for the pods its policies isolate and
//     skips the others), ending with Pass: nothing after it, so allowed;
//   - subjects and pod peers are guarded to workload endpoints
//     (podSelector), so that neither host endpoints nor network sets are
//     caught; a subject's namespaces are the policy's namespaceSelector.
//
// Tiers and Tier.defaultAction exist from Calico 3.29 (calicoapi.
// TiersSince): before, every cluster-wide intent fails closed. What Calico
// does not do as the intents say fails closed at the rule's line, never
// narrowed (a dropped deny is wider, a dropped allow may open a
// connection to later rules): FQDN peers, a subject or pod peer selecting
// a host-network pod, and an ingress Deny that a host-network pod could
// meet (felix lets a node into its own pods whatever the policies say).

// The tiers of the platform layer, around the teams' tier (tierOrder):
// after Calico's kube-admin tier (order 1000), before the default tier
// (1 000 000).
const (
	platformTierName  = "netpolc-platform"
	platformTierOrder = 1050
	baselineTierName  = "netpolc-baseline"
	baselineTierOrder = 1200
)

// platformTiers names each tier's Calico tier and order.
var platformTiers = map[ir.Tier]struct {
	name  string
	order float64
}{
	ir.TierAdmin:    {platformTierName, platformTierOrder},
	ir.TierBaseline: {baselineTierName, baselineTierOrder},
}

// platformHint says where the platform layer can be built instead.
const platformHint = "set calico-version to the cluster's release (tiers exist from Calico 3.29), or build the platform layer with the adminpolicy target"

// platform translates every cluster-wide intent of p into a
// GlobalNetworkPolicy of its tier.
func (b *builder) platform(p *ir.Policy) {
	if len(p.Cluster) == 0 {
		return
	}
	if !b.opts.Version.AtLeast(calicoapi.TiersSince.Major, calicoapi.TiersSince.Minor) {
		for _, cp := range p.Cluster {
			b.errs.At(cp.Origin, kit.Hinted(fmt.Errorf("%s intent %q is cluster-wide, and Calico %s has no tiers (from %s): no platform tier before the teams' policies nor a baseline tier after them: %w",
				cp.Tier, cp.Name, b.opts.Version, calicoapi.TiersSince, errUnsupported), platformHint))
		}
		return
	}
	for _, cp := range p.Cluster {
		if g, ok := b.clusterPolicy(cp); ok {
			b.global = append(b.global, g)
		}
	}
	slices.SortFunc(b.global, func(x, y globalPolicy) int { return cmp.Compare(x.obj.Name, y.obj.Name) })
}

// globalPolicy is an emitted GlobalNetworkPolicy and the intent lines
// behind it.
type globalPolicy struct {
	obj  calicoapi.GlobalNetworkPolicy
	from kit.Origins
}

// clusterPolicy translates one intent; ok is false when something was
// refused (recorded).
func (b *builder) clusterPolicy(cp ir.ClusterPolicy) (globalPolicy, bool) {
	t, known := platformTiers[cp.Tier]
	if !known {
		b.errs.At(cp.Origin, fmt.Errorf("%w tier %q", kit.ErrInvalid, cp.Tier))
		return globalPolicy{}, false
	}
	ok := b.clusterSubject(cp)
	from := kit.Origins{}
	from.Add(cp.Origin)
	order := float64(cp.Priority)
	gnp := calicoapi.GlobalNetworkPolicy{
		TypeMeta: metav1.TypeMeta{APIVersion: calicoapi.APIVersion, Kind: calicoapi.KindGlobalNetworkPolicy},
		Spec: calicoapi.GlobalPolicySpec{Tier: t.name, Order: &order, Selector: podSelector(&cp.Subject.Pods),
			NamespaceSelector: subjectNamespaces(&cp.Subject.Namespaces)},
	}
	var rules [2][]calicoapi.Rule
	for _, r := range cp.Rules {
		d, known := kit.DirIndex(r.Direction)
		if !known {
			b.errs.At(r.Origin, fmt.Errorf("%w direction %q", kit.ErrInvalid, r.Direction))
			ok = false
			continue
		}
		crs, err := b.clusterRule(cp, r)
		if err != nil {
			b.errs.At(r.Origin, fmt.Errorf("%s %s rule of %s intent %q: %w", r.Action, kit.Lower(r.Direction), cp.Tier, cp.Name, err))
			ok = false
			continue
		}
		from.Add(r.Origin)
		rules[d] = append(rules[d], crs...)
	}
	for d := range 2 {
		if len(rules[d]) > 0 {
			gnp.Spec.Types = append(gnp.Spec.Types, types[d])
		}
	}
	gnp.Spec.Ingress, gnp.Spec.Egress = rules[0], rules[1]
	gnp.ObjectMeta = kit.ObjectMeta("", t.name+"."+cp.Name, from)
	return globalPolicy{gnp, from}, ok && len(gnp.Spec.Types) > 0
}

// subjectNamespaces is a subject's namespaceSelector, "" for every
// namespace (the pod guard of the selector keeps host endpoints out).
func subjectNamespaces(sel *metav1.LabelSelector) string {
	if kit.IsEmpty(kit.CanonicalSelector(sel)) {
		return ""
	}
	return namespaceSelector(sel)
}

// clusterSubject refuses a subject whose selectors are invalid or select
// a host-network pod: no Calico policy applies to it (it is its node), so
// its rules would not hold for it, wider or narrower.
func (b *builder) clusterSubject(cp ir.ClusterPolicy) bool {
	for _, err := range []error{kit.CheckSelector("subject.namespaceSelector", &cp.Subject.Namespaces),
		kit.CheckSelector("subject.podSelector", &cp.Subject.Pods)} {
		if err != nil {
			b.errs.At(cp.Origin, fmt.Errorf("%s intent %q: %w", cp.Tier, cp.Name, err))
			return false
		}
	}
	subject := ir.Peer{Kind: ir.PeerPods, Namespaces: &cp.Subject.Namespaces, Pods: &cp.Subject.Pods}
	if pod := b.hostNetworkPod("", subject); pod != "" {
		b.errs.At(cp.Origin, kit.Hinted(fmt.Errorf("%s intent %q selects host-network pod %s, which no Calico policy selects: %w",
			cp.Tier, cp.Name, pod, errUnsupported), hostNetworkHint))
		return false
	}
	return true
}

// clusterRule translates one rule into Calico rules with its action, in
// order, refusing what Calico would decide otherwise.
func (b *builder) clusterRule(cp ir.ClusterPolicy, r ir.ClusterRule) ([]calicoapi.Rule, error) {
	switch {
	case r.Action != ir.Allow && r.Action != ir.Deny && r.Action != ir.Pass:
		return nil, fmt.Errorf("%w action %q", kit.ErrInvalid, r.Action)
	case r.Action == ir.Pass && cp.Tier == ir.TierBaseline:
		return nil, fmt.Errorf("%w action Pass in the baseline tier", kit.ErrInvalid)
	case r.Peer.Kind == ir.PeerFQDN:
		return nil, kit.Hinted(fmt.Errorf("FQDN peer %q: %w", r.Peer.FQDN, errUnsupported), fqdnHint)
	case r.Peer.Namespaces == nil && r.Peer.Kind != ir.PeerAll && r.Peer.Kind != ir.PeerCIDR && r.Peer.Kind != ir.PeerWorld:
		return nil, fmt.Errorf("%w a cluster-wide pod peer needs a namespace selector", kit.ErrInvalid)
	}
	if pod := b.hostNetworkPod("", r.Peer); pod != "" {
		return nil, kit.Hinted(fmt.Errorf("peer selects host-network pod %s, which Calico's selectors do not match: %w", pod, errUnsupported), hostNetworkHint)
	}
	if err := b.nodeReachesDeny(r); err != nil {
		return nil, err
	}
	return calicoRules(ir.Rule{Direction: r.Direction, Peer: r.Peer, Ports: r.Ports}, r.Action)
}

// nodeReachesDeny refuses an ingress Deny rule a host-network pod could
// meet (every source, or addresses): on its node felix lets it into every
// pod whatever the policies say (hostnetwork.go), so the deny would not
// hold. Pod peers selecting a host-network pod are refused already.
func (b *builder) nodeReachesDeny(r ir.ClusterRule) error {
	c := b.opts.Cluster
	if c == nil || r.Direction != ir.Ingress || r.Action != ir.Deny {
		return nil
	}
	switch r.Peer.Kind {
	case ir.PeerAll, ir.PeerCIDR, ir.PeerWorld:
	default:
		return nil
	}
	for _, w := range c.Workloads {
		if c.HostNetwork(w) {
			return kit.Hinted(fmt.Errorf("host-network pod %s/%s reaches the pods on its node whatever the policies say, which this deny would not stop: %w",
				w.Namespace, w.Name, errUnsupported), "deny namespaces or pods by selector (sources that leave the host-network pods out)")
		}
	}
	return nil
}

// tiersFor are the platform tiers the emitted GlobalNetworkPolicies live
// in, each ending with Pass.
func tiersFor(gnps []calicoapi.GlobalNetworkPolicy) []calicoapi.Tier {
	var out []calicoapi.Tier
	for _, t := range []ir.Tier{ir.TierAdmin, ir.TierBaseline} {
		pt := platformTiers[t]
		if slices.ContainsFunc(gnps, func(g calicoapi.GlobalNetworkPolicy) bool { return g.Spec.Tier == pt.name }) {
			order := pt.order
			out = append(out, calicoapi.Tier{
				TypeMeta:   metav1.TypeMeta{APIVersion: calicoapi.APIVersion, Kind: calicoapi.KindTier},
				ObjectMeta: metav1.ObjectMeta{Name: pt.name, Labels: map[string]string{kit.ManagedByLabel: kit.ManagedBy}},
				Spec:       calicoapi.TierSpec{Order: &order, DefaultAction: calicoapi.ActionPass},
			})
		}
	}
	return out
}
