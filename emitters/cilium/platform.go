package cilium

import (
	"cmp"
	"fmt"
	"maps"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netpolc/netpolc/emitters/cilium/ciliumapi"
	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/internal/ir"
)

// The platform layer as CiliumClusterwideNetworkPolicies. Cilium has no
// tiers and no rule order: a deny rule wins over every allow of every
// policy (pkg/policy: deny precedence), and a policy with
// enableDefaultDeny {ingress: false, egress: false} adds its allows
// without putting its endpoints into default deny (pkg/policy/api/rule.go,
// EnableDefaultDeny, cilium/cilium#30572, older than ciliumapi.MinVersion;
// pkg/policy/repository.go synthesises the wildcard allow then; unset,
// it is true for every direction with rules, deny rules included, so the
// emitter always writes it). A CCNP has no namespace: its endpointSelector selects
// across namespaces through the pod's namespace label and its namespace's
// labels (pkg/k8s/apis/cilium.io/utils/utils.go, getEndpointSelector).
// So an admin Deny becomes an egressDeny/ingressDeny, an Allow an allow
// that no team's isolation takes away, a Pass nothing (the teams decide,
// as without the rule), and tiers.go decides every flow of the proof's
// domain both ways: a rule is refused only where Cilium's verdict would
// differ from the tier's order, naming the rule that decides first and
// the flow. A Deny leaves out the peers of the earlier Allow and Pass
// rules of its own intent that cover every port (denyExcept), which
// decide those flows first whatever the Deny says, so that a Pass
// before a Deny of everything (#TenantIsolation) holds. The baseline
// tier, decided after the teams, has no Cilium counterpart (a Cilium deny
// would override the teams' allows, an allow survive their isolation)
// except an isolation (baseline.go); the rest is refused. Cluster-wide
// rules are never narrowed: a narrower deny is a wider policy.

// platformHint names the targets that express what cilium refuses.
const platformHint = "build the platform layer with the adminpolicy or calico target, or reorder the intents so that Cilium's deny precedence gives the same verdicts"

// clusterPolicy is the CiliumClusterwideNetworkPolicy of one admin intent.
type clusterPolicy struct {
	cp    *ir.ClusterPolicy
	sel   metav1.LabelSelector
	from  kit.Origins
	allow [2]map[string]*group // by kit.DirIndex, then port set
	deny  [2]map[string]*group
	// isolated marks a baseline intent's isolations (baseline.go).
	isolated [2]bool
}

// ruleRef is one rule of the admin tier, in evaluation order.
type ruleRef struct {
	cp *ir.ClusterPolicy
	r  *ir.ClusterRule
}

// platform builds the CCNPs of p's admin intents and refuses the rest at
// their lines.
func (b *builder) platform(p *ir.Policy) []*clusterPolicy {
	var order []ruleRef
	var baseline []*clusterPolicy
	for ci := range p.Cluster {
		cp := &p.Cluster[ci]
		if cp.Tier != ir.TierAdmin {
			if pol := b.baseline(cp); pol != nil {
				baseline = append(baseline, pol)
			}
			continue
		}
		for ri := range cp.Rules {
			order = append(order, ruleRef{cp, &cp.Rules[ri]})
		}
	}
	b.exact = true
	defer func() { b.exact = false }()
	var out []*clusterPolicy
	byName := map[string]*clusterPolicy{}
	var refused map[*ir.ClusterRule]error
	if !b.opts.uncheckedOrder {
		refused = b.checkTiers(p, order)
	}
	for i, ref := range order {
		if err := refused[ref.r]; err != nil {
			b.errs.At(ref.r.Origin, kit.Hinted(err, platformHint))
			continue
		}
		if ref.r.Action == ir.Pass {
			continue
		}
		pol := byName[ref.cp.Name]
		if pol == nil {
			var ok bool
			if pol, ok = b.clusterPolicyOf(ref.cp); !ok {
				continue
			}
			byName[ref.cp.Name] = pol
			out = append(out, pol)
		}
		b.clusterRule(pol, ref.r, denyExcept(order, i))
	}
	return append(out, baseline...)
}

// clusterPolicyOf starts the CCNP of an intent, checking its subject.
func (b *builder) clusterPolicyOf(cp *ir.ClusterPolicy) (*clusterPolicy, bool) {
	subject := ir.Peer{Kind: ir.PeerPods, Namespaces: &cp.Subject.Namespaces, Pods: &cp.Subject.Pods}
	sel, err := endpointSelector(subject)
	if err == nil {
		err = b.identityLabels("endpointSelector", sel)
	}
	if err == nil {
		for _, w := range b.cl.Selected("", subject) {
			if b.cl.HostNetwork(w) {
				err = fmt.Errorf("the subject selects host-network pod %s/%s, which Cilium sees as its node: a CiliumClusterwideNetworkPolicy endpointSelector does not apply to it: %w", w.Namespace, w.Name, errUnsupported)
				break
			}
		}
	}
	if err != nil {
		b.errs.At(cp.Origin, fmt.Errorf("cluster-wide intent %q: %w", cp.Name, err))
		return nil, false
	}
	return &clusterPolicy{cp: cp, sel: sel, from: kit.Origins{},
		allow: [2]map[string]*group{{}, {}}, deny: [2]map[string]*group{{}, {}}}, true
}

// clusterRule adds an Allow or Deny rule to its CCNP, through the checks
// of the namespaced rules (synthetic ir.Rules appended to b.rules): a
// Deny less the peers of excepts (denyPeers).
func (b *builder) clusterRule(pol *clusterPolicy, cr *ir.ClusterRule, excepts []*ir.ClusterRule) {
	what := fmt.Sprintf("admin %s %s rule of %q", cr.Action, cr.Direction, pol.cp.Name)
	switch cr.Peer.Kind {
	case ir.PeerPods, ir.PeerWorkload, ir.PeerDNS:
	case ir.PeerAll, ir.PeerCIDR, ir.PeerWorld:
		if cr.Direction == ir.Ingress {
			b.errs.At(cr.Origin, kit.Hinted(fmt.Errorf("%s: a %s peer on ingress: %w (the proof's admin tier has no ingress address peers)", what, cr.Peer.Kind, errUnsupported), platformHint))
			return
		}
	default:
		b.errs.At(cr.Origin, kit.Hinted(fmt.Errorf("%s: a %s peer: %w in a cluster-wide policy", what, cr.Peer.Kind, errUnsupported), platformHint))
		return
	}
	d, _ := kit.DirIndex(cr.Direction)
	var errs []error
	for _, pe := range denyPeers(cr.Peer, excepts) {
		b.rules = append(b.rules, ir.Rule{Subject: ir.Subject{Name: pol.cp.Name}, Direction: cr.Direction,
			Peer: pe, Ports: cr.Ports, Action: cr.Action, Origin: cr.Origin})
		i := len(b.rules) - 1
		ports, key, _, perrs := b.ports(i)
		if errs = append(errs, perrs...); len(perrs) > 0 {
			break
		}
		groups := pol.allow[d]
		if cr.Action == ir.Deny {
			groups = pol.deny[d]
		}
		g := groups[key]
		if g == nil {
			g = &group{ports: ports, endpoints: map[string]metav1.LabelSelector{}, entities: map[string]bool{},
				cidrs: map[string]ciliumapi.CIDRRule{}, fqdns: map[string]ciliumapi.FQDNSelector{}}
			groups[key] = g
		}
		errs = append(errs, b.peer(i, nil, g)...)
	}
	for _, err := range errs {
		b.errs.At(cr.Origin, fmt.Errorf("%s: %w", what, err))
	}
	if len(errs) == 0 {
		pol.from.Add(cr.Origin)
	}
}

// clusterObjects renders the CCNPs, sorted by name.
func (b *builder) clusterObjects(pols []*clusterPolicy) []ciliumapi.CiliumNetworkPolicy {
	names := kit.NewNames(b.errs)
	var out []ciliumapi.CiliumNetworkPolicy
	for _, pol := range pols {
		if len(pol.from) == 0 {
			continue // no rule survived; each is reported
		}
		obj := pol.object()
		if names.Claim("", obj.Name, pol.from) {
			out = append(out, obj)
		}
	}
	slices.SortFunc(out, func(a, b ciliumapi.CiliumNetworkPolicy) int { return cmp.Compare(a.Name, b.Name) })
	return out
}

// object renders one CCNP: an admin intent's, never isolating, with allows
// and denies by port set, or a baseline intent's isolations.
func (pol *clusterPolicy) object() ciliumapi.CiliumNetworkPolicy {
	in, eg := pol.isolated[0], pol.isolated[1]
	obj := ciliumapi.CiliumNetworkPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: ciliumapi.APIVersion, Kind: ciliumapi.KindClusterwide},
		ObjectMeta: kit.ObjectMeta("", "platform-"+string(pol.cp.Tier)+"-"+pol.cp.Name, pol.from),
		Spec: ciliumapi.Rule{EndpointSelector: pol.sel,
			EnableDefaultDeny: &ciliumapi.DefaultDenyConfig{Ingress: &in, Egress: &eg}},
	}
	if in {
		obj.Spec.Ingress = []ciliumapi.IngressRule{{}} // default deny, allowing nothing
	}
	if eg {
		obj.Spec.Egress = []ciliumapi.EgressRule{{}}
	}
	for _, key := range slices.Sorted(maps.Keys(pol.allow[0])) {
		obj.Spec.Ingress = append(obj.Spec.Ingress, pol.allow[0][key].ingress()...)
	}
	for _, key := range slices.Sorted(maps.Keys(pol.allow[1])) {
		obj.Spec.Egress = append(obj.Spec.Egress, pol.allow[1][key].egress()...)
	}
	for _, key := range slices.Sorted(maps.Keys(pol.deny[0])) {
		obj.Spec.IngressDeny = append(obj.Spec.IngressDeny, pol.deny[0][key].ingress()...)
	}
	for _, key := range slices.Sorted(maps.Keys(pol.deny[1])) {
		obj.Spec.EgressDeny = append(obj.Spec.EgressDeny, pol.deny[1][key].egress()...)
	}
	return obj
}
