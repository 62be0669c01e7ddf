package adminpolicy

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/internal/ir"
)

// The platform layer (ir.ClusterPolicy) is this API's own model: each
// cluster-wide intent becomes one policy of its tier (more when a
// direction holds more rules than the CRD allows), its rules in order with
// their actions. Emitted priorities keep the intents' order and never tie
// (ties.go), and they place the platform around the teams' policies, which
// this target emits in the admin tiers too (objects.go):
//
//	v1alpha2 Admin tier:    platform admin 0..99, teams' accepts 100
//	v1alpha2 Baseline tier: teams' denies 100, platform baseline 101..1000
//	v1alpha1:               platform admin ANPs 0..99, teams' accepts 100, teams' denies 1000,
//	                        platform baseline in the BaselineAdminNetworkPolicy "default"
//
// What the API cannot express fails closed, never narrowed: a dropped
// deny or pass would be wider, a dropped admin allow can open or close
// (the connection falls to later rules), so AllowApproximate does not
// apply to cluster-wide rules.

// platformPrefix starts the name of every emitted platform policy.
const platformPrefix = "platform-"

// clusterPart is one platform policy to render, version-neutral.
type clusterPart struct {
	name     string
	tier     ir.Tier
	subject  ir.ClusterSubject
	rules    [2][]rule // ingress, egress; in evaluation order
	from     kit.Origins
	priority int32
	origin   ir.Origin
}

// platform translates every cluster-wide policy of p into b.cluster.
func (b *builder) platform(p *ir.Policy) {
	b.exact = true
	defer func() { b.exact = false }()
	next := map[ir.Tier]int32{ir.TierAdmin: 0, ir.TierBaseline: denyPriority + 1}
	for _, cp := range p.Cluster {
		rules, ok := b.clusterRules(cp)
		if !ok {
			continue
		}
		limit := maxRulesV1Alpha2
		if b.opts.API.V1Alpha1() {
			limit = maxRulesV1Alpha1
		}
		n := max(1, (len(rules[0])+limit-1)/limit, (len(rules[1])+limit-1)/limit)
		for i := range n {
			part := clusterPart{name: platformPrefix + string(cp.Tier) + "-" + cp.Name, tier: cp.Tier, subject: cp.Subject,
				from: kit.Origins{}, priority: next[cp.Tier], origin: cp.Origin}
			if i > 0 {
				part.name += fmt.Sprintf("-%d", i+1)
			}
			next[cp.Tier]++
			part.from.Add(cp.Origin)
			for d := range 2 {
				lo, hi := min(i*limit, len(rules[d])), min((i+1)*limit, len(rules[d]))
				part.rules[d] = rules[d][lo:hi]
			}
			b.cluster = append(b.cluster, part)
		}
	}
	b.checkPriorities()
}

// checkPriorities fails when the platform's policies do not fit between
// the teams' (see the layout above).
func (b *builder) checkPriorities() {
	for _, part := range b.cluster {
		limit, where := int32(allowPriority), "below the teams' allows at 100"
		if part.tier == ir.TierBaseline {
			limit, where = 1001, "after the teams' denies at 100, up to 1000"
		}
		if part.priority >= limit && (part.tier == ir.TierAdmin || !b.opts.API.V1Alpha1()) {
			b.errs.At(part.origin, kit.Hinted(fmt.Errorf("policy %s would need %s priority %d: the platform's policies (one per intent, more past the CRD's rule limit) must fit %s: %w",
				part.name, part.tier, part.priority, where, errUnsupported),
				"merge cluster-wide intents, or give them fewer rules"))
			return
		}
	}
}

// clusterRules translates one policy's rules, per direction, in order.
func (b *builder) clusterRules(cp ir.ClusterPolicy) ([2][]rule, bool) {
	var out [2][]rule
	subject := ir.Peer{Kind: ir.PeerPods, Namespaces: &cp.Subject.Namespaces, Pods: &cp.Subject.Pods}
	dsts := b.cl.Selected("", subject)
	for _, w := range dsts {
		if b.cl.HostNetwork(w) {
			b.errs.At(cp.Origin, kit.Hinted(fmt.Errorf("%s intent %q selects host-network pod %s/%s, which admin network policies exclude from their subjects: %w",
				cp.Tier, cp.Name, w.Namespace, w.Name, errUnsupported), "exclude it from the subject's selectors"))
			return out, false
		}
	}
	ok := true
	for _, r := range cp.Rules {
		d, _ := kit.DirIndex(r.Direction)
		as := ir.Rule{Subject: ir.Subject{Name: cp.Name}, Direction: r.Direction, Peer: r.Peer, Ports: r.Ports, Action: r.Action, Origin: r.Origin}
		var rules []rule
		var errs []error
		if d == 0 {
			rules, errs = b.clusterIngress(as, dsts)
		} else {
			rules, errs = b.clusterEgress(as)
		}
		for _, err := range errs {
			b.errs.At(r.Origin, fmt.Errorf("%s %s rule of %s intent %q: %w", r.Action, kit.Lower(r.Direction), cp.Tier, cp.Name, err))
			ok = false
		}
		for i := range rules {
			rules[i].action = r.Action
		}
		out[d] = append(out[d], rules...)
	}
	return out, ok
}

// errIngressPeer is why an ingress rule from addresses cannot be emitted.
var errIngressPeer = kit.Hinted(fmt.Errorf("admin policy ingress peers select namespaces and pods only, so traffic from outside the cluster can be neither allowed nor denied: %w", errUnsupported),
	"name namespaces or pods as the sources (e.g. {namespaceSelector: {}} for every pod)")

// clusterIngress translates an ingress rule towards the subject's pods
// (dsts, for named ports).
func (b *builder) clusterIngress(r ir.Rule, dsts []ir.Workload) ([]rule, []error) {
	switch r.Peer.Kind {
	case ir.PeerPods, ir.PeerWorkload, ir.PeerDNS:
	default:
		return nil, []error{errIngressPeer}
	}
	p, errs := podPeer("", r.Peer)
	if len(errs) > 0 {
		return nil, errs
	}
	// keep false: only named ports no destination declares, so the rule
	// matches nothing (no ports would mean every port).
	ports, keep, errs := b.ports(r, dsts)
	if len(errs) > 0 || !keep {
		return nil, errs
	}
	if err := b.hostNetworkPeer(r, b.cl.Selected("", r.Peer), nil); err != nil {
		return nil, []error{err}
	}
	if ports, keep, errs = b.podPorts(r, ports, dsts); len(errs) > 0 || !keep {
		return nil, errs
	}
	return []rule{{name: ruleName(r.Origin), origin: r.Origin, peers: []peer{p}, ports: ports}}, nil
}

// clusterEgress translates an egress rule as the teams' allows are
// (peers.go); domainNames exist only in Accept rules.
func (b *builder) clusterEgress(r ir.Rule) ([]rule, []error) {
	if r.Peer.Kind == ir.PeerFQDN && r.Action != ir.Allow {
		return nil, []error{kit.Hinted(fmt.Errorf("FQDN peer %q: the admin API's domainNames exist only in Accept rules: %w", r.Peer.FQDN, errUnsupported),
			"the cilium target, once it expresses the platform layer")}
	}
	return b.egress(r)
}

// ruleName names an emitted rule after its origin (the CRD's maxLength).
func ruleName(o ir.Origin) string {
	name := o.Stable()
	if len(name) > maxRuleNameLength {
		name = name[:maxRuleNameLength]
	}
	return name
}

// clusterSubjectSelectors returns the subject's selectors: namespaces
// alone when it selects every pod of them.
func clusterSubjectSelectors(s ir.ClusterSubject) (ns metav1.LabelSelector, pods *metav1.LabelSelector) {
	ns = *kit.CanonicalSelector(&s.Namespaces)
	if p := kit.CanonicalSelector(&s.Pods); p != nil && !kit.IsEmpty(p) {
		pods = p
	}
	return ns, pods
}
