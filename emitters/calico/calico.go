// Package calico emits Calico policies (projectcalico.org/v3) from the IR:
// a "netpolc" Tier, one NetworkPolicy per subject with its allow rules,
// and one default-deny NetworkPolicy per namespace and direction, sorted
// and named so that the output is byte-identical across runs.
//
// Semantics (docs.tigera.io, "Calico policy tiers", "Network policy",
// "Rule"): the policies of a tier are evaluated by order (then name); in a
// policy the first rule that matches decides; Pass skips to the next tier;
// when no rule matched, an endpoint that some policy of the tier selects
// (in that direction) meets the tier's default action, Deny unless the
// tier says Pass; an endpoint no policy of the tier selects skips the tier.
// The mapping keeps NetworkPolicy's union of allows:
//
//   - every subject's allow rules sit in a policy of order 100, and the
//     explicit Deny of the isolated subjects in a policy of order 1000 per
//     namespace and direction (selector: the subjects' selectors joined by
//     "||"), so no allow is ever shadowed by another subject's deny; the
//     tier's defaultAction is Deny as well;
//   - selectors are Calico expressions (app == 'web' && tier in {'a', 'b'},
//     has(k), !has(k), all()); a namespace by name is
//     projectcalico.org/name == 'ns'; a rule's pod selector starts with
//     projectcalico.org/orchestrator == 'k8s' (podSelector), so that it
//     matches pods only, never host endpoints or network sets;
//   - a Calico rule has one protocol and one source or destination: an IR
//     rule becomes one rule per protocol and peer; ports are numbers,
//     "first:last" ranges or container port names (resolved on the
//     destination with the rule's protocol, as NetworkPolicy does);
//   - CIDRs are nets with notNets for the holes (one rule per block with
//     holes, and per address family); Calico matches nets against pod
//     addresses too, as netpolc's NetworkPolicy semantics do.
//
// The platform layer becomes GlobalNetworkPolicies in two tiers around
// the netpolc tier (platform.go).
//
// FQDN peers have no Calico (open source) equivalent: errUnsupported, or
// with Options.AllowApproximate the rule is left out with a kit.Warning.
package calico

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netpolc/netpolc/emitters/calico/calicoapi"
	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/internal/ir"
)

// The tier netpolc's policies live in, and the orders used.
const (
	tierName = "netpolc"
	// tierOrder places the tier before Calico's default tier (which holds
	// Kubernetes NetworkPolicies) and after the kube-admin tier.
	tierOrder = 1100
	// allowOrder and denyOrder order the allow policies before every
	// default-deny policy of the tier.
	allowOrder = 100
	denyOrder  = 1000
)

// errUnsupported marks an IR element Calico cannot express, such as an
// FQDN peer or a deny rule; it wraps kit.errUnsupported.
var errUnsupported = kit.Unsupported("cannot be expressed as a Calico policy")

// fqdnHint says what to do about an FQDN peer: the targets that can
// express one. Open-source Calico's projectcalico.org/v3 EntityRule has
// selectors, nets, services, service accounts and ports only
// (projectcalico/api, pkg/apis/projectcalico/v3/
// policy_common.go); its domains field is Calico Enterprise's. A CIDR in
// its place would be a guess at what the name resolves to, so there is
// none.
const fqdnHint = "open-source Calico has no DNS-name rules; " + kit.FQDNHint

// Options tune Build.
type Options struct {
	// AllowApproximate leaves out what Calico cannot express (FQDN rules),
	// with a Warning, instead of failing: the result is narrower.
	AllowApproximate bool
	// Version is the Calico release the cluster runs (zero: the current
	// stable, calicoapi.DefaultVersion). Before 3.29 there are no tiers:
	// the policies go to the default tier, without a Tier object.
	Version calicoapi.Version
	// Cluster, when set, is the build's workloads: a subject or peer
	// selecting a host-network pod is refused (or, for a peer under
	// AllowApproximate, warned about).
	Cluster *kit.Cluster
}

// subjectPolicy collects a subject's allow rules.
type subjectPolicy struct {
	subject ir.Subject // Pods in canonical form
	from    kit.Origins
	rules   [2]map[string]calicoapi.Rule // by canonical JSON, per direction
}

// denyPolicy collects the isolated subjects of a namespace and direction.
type denyPolicy struct {
	ns        string
	dir       int
	selectors map[string]bool
	from      kit.Origins
}

// builder accumulates policies, warnings and every error found on the
// way.
type builder struct {
	opts     Options
	subjects map[string]*subjectPolicy // by namespace and selector
	isolated map[string]bool           // subject key + direction
	denies   map[string]*denyPolicy    // by namespace and direction
	global   []globalPolicy            // the platform layer, by name
	errs     *kit.Errors
	warns    []kit.Warning
}

// Build compiles p into the netpolc tier and its policies, sorted by
// namespace and name, with the warnings of rules left out (sorted by
// origin). Every error found is returned as one diag.List, each at the
// position of the intent that caused it; on error no object is returned.
func Build(p *ir.Policy, opts Options) (*calicoapi.Objects, []kit.Warning, error) {
	if p == nil {
		return &calicoapi.Objects{}, nil, nil
	}
	if opts.Version == (calicoapi.Version{}) {
		opts.Version, _ = calicoapi.ParseVersion("")
	}
	b := &builder{opts: opts, subjects: map[string]*subjectPolicy{}, isolated: map[string]bool{},
		denies: map[string]*denyPolicy{}, errs: kit.NewErrors(targetName)}
	b.platform(p)
	for _, iso := range p.Isolations {
		b.isolate(iso)
	}
	for _, r := range p.Rules {
		b.rule(r)
	}
	b.checkNodeReach(p)
	objs := b.objects()
	if err := b.errs.Err(); err != nil {
		return nil, nil, err
	}
	slices.SortStableFunc(b.warns, func(x, y kit.Warning) int { return kit.CompareOrigins(x.Origin, y.Origin) })
	return objs, b.warns, nil
}

// types are the policy types by direction index (kit.DirIndex).
var types = [2]string{calicoapi.TypeIngress, calicoapi.TypeEgress}

// isolate records an isolation in its namespace's default-deny policy.
func (b *builder) isolate(iso ir.Isolation) {
	k, d, ok := kit.Isolated(b.errs, iso, subjectKeyOf)
	if !ok {
		return
	}
	b.isolated[k.key+types[d]] = true
	if b.hostNetworkSubject(iso) {
		return
	}
	dkey := iso.Subject.Namespace + "\x00" + types[d]
	dp := b.denies[dkey]
	if dp == nil {
		dp = &denyPolicy{ns: iso.Subject.Namespace, dir: d, selectors: map[string]bool{}, from: kit.Origins{}}
		b.denies[dkey] = dp
	}
	dp.selectors[Selector(k.sel)] = true
	dp.from.Add(iso.Origin)
}

// rule adds an allow rule to its subject's policy.
func (b *builder) rule(r ir.Rule) {
	k, d, what, ok := kit.Allowed(b.errs, r, errUnsupported, subjectKeyOf,
		func(k subjectKey, d int) bool { return b.isolated[k.key+types[d]] })
	switch {
	case !ok:
		return
	case r.Peer.Kind == ir.PeerFQDN:
		b.fqdn(r, what)
		return
	case b.hostNetworkPeer(r, what):
		return
	}
	rules, err := calicoRules(r, ir.Allow)
	if err != nil {
		b.errs.Fail(r.Origin, what, r.Subject, err)
		return
	}
	sp := b.subjects[k.key]
	if sp == nil {
		sp = &subjectPolicy{subject: r.Subject, from: kit.Origins{}, rules: [2]map[string]calicoapi.Rule{{}, {}}}
		b.subjects[k.key] = sp
	}
	// Several subject names for one selector: keep the smallest, so the
	// name does not depend on the order of the IR.
	if r.Subject.Name < sp.subject.Name {
		sp.subject.Name = r.Subject.Name
	}
	sp.subject.Pods = *k.sel
	sp.from.Add(r.Origin)
	for _, cr := range rules {
		sp.rules[d][kit.JSONKey(cr)] = cr
	}
}

// fqdn refuses a rule to an FQDN peer, which open-source Calico cannot
// express, or under AllowApproximate leaves it out with a warning.
func (b *builder) fqdn(r ir.Rule, what string) {
	err := fmt.Errorf("FQDN peer %q: %w", r.Peer.FQDN, errUnsupported)
	if !b.opts.AllowApproximate {
		b.errs.Fail(r.Origin, what, r.Subject, kit.Hinted(err, fqdnHint))
		return
	}
	b.warns = append(b.warns, kit.Warning{Origin: r.Origin, Message: fmt.Sprintf("%s of %s/%s: %v (%s): left out",
		what, r.Subject.Namespace, r.Subject.Name, err, fqdnHint)})
}

// subjectKey is a validated subject: its key among the builder's
// subjects and its canonical selector.
type subjectKey struct {
	key string
	sel *metav1.LabelSelector
}

// subjectKeyOf validates a subject and returns its key.
func subjectKeyOf(s ir.Subject) (subjectKey, []error) {
	sel, errs := kit.SubjectSelector(s, "selector")
	if len(errs) > 0 {
		return subjectKey{}, errs
	}
	return subjectKey{s.Namespace + "\x00" + Selector(sel), sel}, nil
}

// objects renders the tier and the policies, checking that names are
// valid and unique. Without a policy there is no tier either.
func (b *builder) objects() *calicoapi.Objects {
	objs := &calicoapi.Objects{}
	names := kit.NewNames(b.errs)
	add := func(np calicoapi.NetworkPolicy, from kit.Origins) {
		if names.Claim(np.Namespace, np.Name, from) {
			objs.NetworkPolicies = append(objs.NetworkPolicies, np)
		}
	}
	for _, key := range slices.Sorted(maps.Keys(b.subjects)) {
		sp := b.subjects[key]
		add(sp.object(), sp.from)
	}
	for _, key := range slices.Sorted(maps.Keys(b.denies)) {
		dp := b.denies[key]
		add(dp.object(), dp.from)
	}
	slices.SortFunc(objs.NetworkPolicies, func(x, y calicoapi.NetworkPolicy) int {
		return cmp.Or(cmp.Compare(x.Namespace, y.Namespace), cmp.Compare(x.Name, y.Name))
	})
	if !b.opts.Version.AtLeast(calicoapi.TiersSince.Major, calicoapi.TiersSince.Minor) {
		// No tiers: every policy is in the default tier, whose end
		// denies what its policies select, as the netpolc tier's
		// defaultAction does.
		for i := range objs.NetworkPolicies {
			objs.NetworkPolicies[i].Spec.Tier = ""
		}
		return objs
	}
	if len(objs.NetworkPolicies) > 0 {
		objs.Tiers = []calicoapi.Tier{tier()}
	}
	for _, g := range b.global {
		if names.Claim("", g.obj.Name, g.from) {
			objs.GlobalNetworkPolicies = append(objs.GlobalNetworkPolicies, g.obj)
		}
	}
	objs.Tiers = append(objs.Tiers, tiersFor(objs.GlobalNetworkPolicies)...)
	slices.SortFunc(objs.Tiers, func(x, y calicoapi.Tier) int { return cmp.Compare(x.Name, y.Name) })
	return objs
}

// tier is the netpolc tier. It carries no origins: every intent goes
// through it.
func tier() calicoapi.Tier {
	order := float64(tierOrder)
	return calicoapi.Tier{
		TypeMeta:   metav1.TypeMeta{APIVersion: calicoapi.APIVersion, Kind: calicoapi.KindTier},
		ObjectMeta: metav1.ObjectMeta{Name: tierName, Labels: map[string]string{kit.ManagedByLabel: kit.ManagedBy}},
		Spec:       calicoapi.TierSpec{Order: &order, DefaultAction: calicoapi.ActionDeny},
	}
}

// object renders a subject's allow policy, its rules in canonical order.
func (sp *subjectPolicy) object() calicoapi.NetworkPolicy {
	np := newPolicy(sp.subject.Namespace, sp.subject.Namespace+"-"+sp.subject.Name, allowOrder, Selector(&sp.subject.Pods), sp.from)
	for d := range 2 {
		if len(sp.rules[d]) == 0 {
			continue
		}
		np.Spec.Types = append(np.Spec.Types, types[d])
		rules := kit.SortedValues(sp.rules[d])
		if d == 0 {
			np.Spec.Ingress = rules
		} else {
			np.Spec.Egress = rules
		}
	}
	return np
}

// object renders a namespace's default deny in one direction.
func (dp *denyPolicy) object() calicoapi.NetworkPolicy {
	name := dp.ns + "-" + strings.ToLower(types[dp.dir]) + "-default-deny"
	np := newPolicy(dp.ns, name, denyOrder, anyOf(slices.Sorted(maps.Keys(dp.selectors))), dp.from)
	np.Spec.Types = []string{types[dp.dir]}
	deny := []calicoapi.Rule{{Action: calicoapi.ActionDeny}}
	if dp.dir == 0 {
		np.Spec.Ingress = deny
	} else {
		np.Spec.Egress = deny
	}
	return np
}

// newPolicy starts a policy of the netpolc tier; its name carries the
// tier's prefix, as Calico requires for policies outside the default tier.
func newPolicy(ns, name string, order float64, selector string, from kit.Origins) calicoapi.NetworkPolicy {
	return calicoapi.NetworkPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: calicoapi.APIVersion, Kind: calicoapi.KindNetworkPolicy},
		ObjectMeta: kit.ObjectMeta(ns, tierName+"."+name, from),
		Spec:       calicoapi.PolicySpec{Tier: tierName, Order: &order, Selector: selector},
	}
}

// anyOf joins selectors with "||"; all() absorbs the others.
func anyOf(sels []string) string {
	if slices.Contains(sels, calicoapi.All) || len(sels) == 0 {
		return calicoapi.All
	}
	if len(sels) == 1 {
		return sels[0]
	}
	parts := make([]string, len(sels))
	for i, s := range sels {
		parts[i] = "(" + s + ")"
	}
	return strings.Join(parts, " || ")
}
