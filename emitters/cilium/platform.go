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
// So exactly expressible are, in the admin tier's order:
//
//   - a Deny that no earlier Allow or Pass of the direction can decide
//     first: an egressDeny/ingressDeny, deny before everything;
//   - an Allow that no earlier Pass and no later Deny of the direction can
//     touch: an allow that no team's isolation takes away;
//   - a Pass: nothing (the teams decide, as without the rule), the rules
//     around it being checked as above.
//
// Overlap is judged per direction only (two rules of one direction
// overlap unless their subjects name disjoint namespaces), which refuses
// some expressible layers but never accepts a wrong one. The baseline
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
	for i, ref := range order {
		if err := orderError(order, i); err != nil {
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
		b.clusterRule(pol, ref.r)
	}
	return append(out, baseline...)
}

// orderError says why Cilium's deny precedence cannot give rule
// order[i] its admin-tier verdict, or nil.
func orderError(order []ruleRef, i int) error {
	r := order[i]
	for j, o := range order {
		if j == i || o.r.Direction != r.r.Direction || !overlap(o.cp, r.cp) {
			continue
		}
		at := fmt.Sprintf("%s:%d", o.r.Origin.File, o.r.Origin.Line)
		switch {
		case r.r.Action == ir.Deny && j < i && o.r.Action != ir.Deny:
			return kit.Unsupported(fmt.Sprintf("admin Deny of %q: the earlier %s of %q (%s) decides some of its connections first, and a Cilium deny wins over every allow", r.cp.Name, o.r.Action, o.cp.Name, at))
		case r.r.Action == ir.Allow && j < i && o.r.Action == ir.Pass:
			return kit.Unsupported(fmt.Sprintf("admin Allow of %q: the earlier Pass of %q (%s) hands some of its connections to the teams, whose isolation cannot take back a Cilium allow", r.cp.Name, o.cp.Name, at))
		case r.r.Action == ir.Allow && j > i && o.r.Action == ir.Deny:
			return kit.Unsupported(fmt.Sprintf("admin Allow of %q: the later Deny of %q (%s) may match some of its connections, and a Cilium deny wins over this allow", r.cp.Name, o.cp.Name, at))
		}
	}
	return nil
}

// overlap reports whether two intents may select a common pod: unless
// both name their namespaces and no name is shared.
func overlap(a, b *ir.ClusterPolicy) bool {
	if a == b || len(a.Subject.NamespaceNames) == 0 || len(b.Subject.NamespaceNames) == 0 {
		return true
	}
	for _, n := range a.Subject.NamespaceNames {
		if slices.Contains(b.Subject.NamespaceNames, n) {
			return true
		}
	}
	return false
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
// of the namespaced rules (a synthetic ir.Rule appended to b.rules).
func (b *builder) clusterRule(pol *clusterPolicy, cr *ir.ClusterRule) {
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
	b.rules = append(b.rules, ir.Rule{Subject: ir.Subject{Name: pol.cp.Name}, Direction: cr.Direction,
		Peer: cr.Peer, Ports: cr.Ports, Action: cr.Action, Origin: cr.Origin})
	i := len(b.rules) - 1
	d, _ := kit.DirIndex(cr.Direction)
	ports, key, _, errs := b.ports(i)
	if len(errs) == 0 {
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
		errs = b.peer(i, nil, g)
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
