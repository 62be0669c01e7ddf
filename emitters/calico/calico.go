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
//     projectcalico.org/name == 'ns';
//   - a Calico rule has one protocol and one source or destination: an IR
//     rule becomes one rule per protocol and peer; ports are numbers,
//     "first:last" ranges or container port names (resolved on the
//     destination with the rule's protocol, as NetworkPolicy does);
//   - CIDRs are nets with notNets for the holes (one rule per block with
//     holes, and per address family); Calico matches nets against pod
//     addresses too, as netpolc's NetworkPolicy semantics do.
//
// FQDN peers have no Calico (open source) equivalent: ErrUnsupported, or
// with Options.AllowApproximate the rule is left out with a Warning.
package calico

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/netpolc/netpolc/emitters/calico/calicoapi"
	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/internal/ir"
)

// Metadata netpolc puts on every object it emits (shared with the
// NetworkPolicy target).
const (
	ManagedByLabel    = kit.ManagedByLabel
	ManagedBy         = kit.ManagedBy
	OriginsAnnotation = kit.OriginsAnnotation
	OriginsSeparator  = kit.OriginsSeparator
)

// The tier netpolc's policies live in, and the orders used.
const (
	TierName = "netpolc"
	// TierOrder places the tier before Calico's default tier (which holds
	// Kubernetes NetworkPolicies) and after the kube-admin tier.
	TierOrder = 1100
	// AllowOrder and DenyOrder order the allow policies before every
	// default-deny policy of the tier.
	AllowOrder = 100
	DenyOrder  = 1000
)

// Errors wrapped by Build, for errors.Is.
var (
	// ErrUnsupported marks an IR element Calico cannot express.
	ErrUnsupported = kit.Unsupported("cannot be expressed as a Calico policy")
	// ErrInvalid marks a value the API would reject.
	ErrInvalid = kit.ErrInvalid
)

// Options tune Build.
type Options struct {
	// AllowApproximate leaves out what Calico cannot express (FQDN rules),
	// with a Warning, instead of failing: the result is narrower.
	AllowApproximate bool
}

// Warning reports a rule Build left out under Options.AllowApproximate.
type Warning = kit.Warning

// subjectPolicy collects a subject's allow rules.
type subjectPolicy struct {
	subject ir.Subject // Pods in canonical form
	from    map[ir.Origin]bool
	rules   [2]map[string]calicoapi.Rule // by canonical JSON, per direction
}

// denyPolicy collects the isolated subjects of a namespace and direction.
type denyPolicy struct {
	ns        string
	dir       int
	selectors map[string]bool
	from      map[ir.Origin]bool
}

type located struct {
	origin ir.Origin
	err    error
}

type builder struct {
	opts     Options
	subjects map[string]*subjectPolicy // by namespace and selector
	isolated map[string]bool           // subject key + direction
	denies   map[string]*denyPolicy    // by namespace and direction
	errs     []located
	warns    []Warning
}

// Build compiles p into the netpolc tier and its policies, sorted by
// namespace and name, with the warnings of rules left out (sorted by
// origin). Every error found is returned, joined and sorted, each prefixed
// by its intent's origin; on error no object is returned.
func Build(p *ir.Policy, opts Options) (*calicoapi.Objects, []Warning, error) {
	if p == nil {
		return &calicoapi.Objects{}, nil, nil
	}
	b := &builder{opts: opts, subjects: map[string]*subjectPolicy{}, isolated: map[string]bool{}, denies: map[string]*denyPolicy{}}
	for _, iso := range p.Isolations {
		b.isolate(iso)
	}
	for _, r := range p.Rules {
		b.rule(r)
	}
	objs := b.objects()
	if len(b.errs) > 0 {
		return nil, nil, joinSorted(b.errs)
	}
	slices.SortStableFunc(b.warns, func(x, y Warning) int { return compareOrigins(x.Origin, y.Origin) })
	return objs, b.warns, nil
}

func dirIndex(d ir.Direction) (int, bool) {
	switch d {
	case ir.Ingress:
		return 0, true
	case ir.Egress:
		return 1, true
	}
	return 0, false
}

var types = [2]string{calicoapi.TypeIngress, calicoapi.TypeEgress}

// isolate records an isolation in its namespace's default-deny policy.
func (b *builder) isolate(iso ir.Isolation) {
	d, ok := dirIndex(iso.Direction)
	if !ok {
		b.fail(iso.Origin, "isolation", iso.Subject, fmt.Errorf("%w direction %q", ErrInvalid, iso.Direction))
		return
	}
	key, sel, err := subjectKey(iso.Subject)
	if err != nil {
		b.fail(iso.Origin, lower(iso.Direction)+" isolation", iso.Subject, err)
		return
	}
	b.isolated[key+types[d]] = true
	dkey := iso.Subject.Namespace + "\x00" + types[d]
	dp := b.denies[dkey]
	if dp == nil {
		dp = &denyPolicy{ns: iso.Subject.Namespace, dir: d, selectors: map[string]bool{}, from: map[ir.Origin]bool{}}
		b.denies[dkey] = dp
	}
	dp.selectors[Selector(sel)] = true
	dp.from[iso.Origin] = true
}

// rule adds an allow rule to its subject's policy.
func (b *builder) rule(r ir.Rule) {
	what := lower(r.Direction) + " rule"
	d, ok := dirIndex(r.Direction)
	switch {
	case !ok:
		b.fail(r.Origin, "rule", r.Subject, fmt.Errorf("%w direction %q", ErrInvalid, r.Direction))
		return
	case r.Action != ir.Allow && r.Action != "":
		b.fail(r.Origin, what, r.Subject, fmt.Errorf("action %q: %w (netpolc emits allow rules only)", r.Action, ErrUnsupported))
		return
	}
	key, sel, err := subjectKey(r.Subject)
	if err != nil {
		b.fail(r.Origin, what, r.Subject, err)
		return
	}
	if !b.isolated[key+types[d]] {
		b.fail(r.Origin, what, r.Subject, fmt.Errorf("%w: no isolation for this subject and direction in the IR", ErrUnsupported))
		return
	}
	rules, err := calicoRules(r)
	if errors.Is(err, ErrUnsupported) && b.opts.AllowApproximate {
		b.warns = append(b.warns, Warning{Origin: r.Origin, Message: fmt.Sprintf("%s of %s/%s: %v: left out",
			what, r.Subject.Namespace, r.Subject.Name, err)})
		return
	}
	if err != nil {
		b.fail(r.Origin, what, r.Subject, err)
		return
	}
	sp := b.subjects[key]
	if sp == nil {
		sp = &subjectPolicy{subject: r.Subject, from: map[ir.Origin]bool{}, rules: [2]map[string]calicoapi.Rule{{}, {}}}
		b.subjects[key] = sp
	}
	if r.Subject.Name < sp.subject.Name {
		sp.subject.Name = r.Subject.Name
	}
	sp.subject.Pods = *sel
	sp.from[r.Origin] = true
	for _, cr := range rules {
		sp.rules[d][ruleKey(cr)] = cr
	}
}

// subjectKey validates a subject and returns its key and canonical
// selector.
func subjectKey(s ir.Subject) (string, *metav1.LabelSelector, error) {
	if msgs := validation.IsDNS1123Label(s.Namespace); len(msgs) > 0 {
		return "", nil, fmt.Errorf("%w namespace %q: %s", ErrInvalid, s.Namespace, strings.Join(msgs, "; "))
	}
	sel := s.Pods.DeepCopy()
	if err := checkSelector("selector", sel); err != nil {
		return "", nil, err
	}
	return s.Namespace + "\x00" + Selector(sel), sel, nil
}

func (b *builder) fail(o ir.Origin, what string, s ir.Subject, errs ...error) {
	for _, err := range errs {
		b.errs = append(b.errs, located{o, fmt.Errorf("%s: %s of %s/%s: %w", o, what, s.Namespace, s.Name, err)})
	}
}

// objects renders the tier and the policies, checking names.
func (b *builder) objects() *calicoapi.Objects {
	order := func(f float64) *float64 { return &f }
	objs := &calicoapi.Objects{Tiers: []calicoapi.Tier{{
		TypeMeta:   metav1.TypeMeta{APIVersion: calicoapi.APIVersion, Kind: calicoapi.KindTier},
		ObjectMeta: metav1.ObjectMeta{Name: TierName, Labels: map[string]string{ManagedByLabel: ManagedBy}},
		Spec:       calicoapi.TierSpec{Order: order(TierOrder), DefaultAction: calicoapi.ActionDeny},
	}}}
	byName := map[string]ir.Origin{}
	add := func(np calicoapi.NetworkPolicy, from map[ir.Origin]bool) {
		first := slices.MinFunc(slices.Collect(maps.Keys(from)), compareOrigins)
		np.Annotations = map[string]string{OriginsAnnotation: originsString(from)}
		id := np.Namespace + "/" + np.Name
		if msgs := validation.IsDNS1123Subdomain(np.Name); len(msgs) > 0 {
			b.errs = append(b.errs, located{first, fmt.Errorf("%s: %w policy name %q: %s", first, ErrInvalid, np.Name, strings.Join(msgs, "; "))})
			return
		}
		if other, dup := byName[id]; dup {
			b.errs = append(b.errs, located{first, fmt.Errorf("%s: %w policy name %q: two subjects share it (the other is at %s)", first, ErrInvalid, np.Name, other)})
			return
		}
		byName[id] = first
		objs.NetworkPolicies = append(objs.NetworkPolicies, np)
	}
	for _, key := range slices.Sorted(maps.Keys(b.subjects)) {
		sp := b.subjects[key]
		np := newPolicy(sp.subject.Namespace, sp.subject.Namespace+"-"+sp.subject.Name, AllowOrder, Selector(&sp.subject.Pods))
		for d := range 2 {
			if len(sp.rules[d]) == 0 {
				continue
			}
			np.Spec.Types = append(np.Spec.Types, types[d])
			rules := slices.Collect(maps.Values(sp.rules[d]))
			slices.SortFunc(rules, func(x, y calicoapi.Rule) int { return cmp.Compare(ruleKey(x), ruleKey(y)) })
			if d == 0 {
				np.Spec.Ingress = rules
			} else {
				np.Spec.Egress = rules
			}
		}
		add(np, sp.from)
	}
	for _, key := range slices.Sorted(maps.Keys(b.denies)) {
		dp := b.denies[key]
		name := dp.ns + "-" + strings.ToLower(types[dp.dir]) + "-default-deny"
		np := newPolicy(dp.ns, name, DenyOrder, anyOf(slices.Sorted(maps.Keys(dp.selectors))))
		np.Spec.Types = []string{types[dp.dir]}
		deny := []calicoapi.Rule{{Action: calicoapi.ActionDeny}}
		if dp.dir == 0 {
			np.Spec.Ingress = deny
		} else {
			np.Spec.Egress = deny
		}
		add(np, dp.from)
	}
	slices.SortFunc(objs.NetworkPolicies, func(x, y calicoapi.NetworkPolicy) int {
		return cmp.Or(cmp.Compare(x.Namespace, y.Namespace), cmp.Compare(x.Name, y.Name))
	})
	if len(objs.NetworkPolicies) == 0 {
		objs.Tiers = nil
	}
	return objs
}

// newPolicy starts a policy of the netpolc tier; its name carries the
// tier's prefix, as Calico requires for policies outside the default tier.
func newPolicy(ns, name string, order float64, selector string) calicoapi.NetworkPolicy {
	return calicoapi.NetworkPolicy{
		TypeMeta: metav1.TypeMeta{APIVersion: calicoapi.APIVersion, Kind: calicoapi.KindNetworkPolicy},
		ObjectMeta: metav1.ObjectMeta{Name: TierName + "." + name, Namespace: ns,
			Labels: map[string]string{ManagedByLabel: ManagedBy}},
		Spec: calicoapi.PolicySpec{Tier: TierName, Order: &order, Selector: selector},
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

func compareOrigins(a, b ir.Origin) int {
	return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line),
		cmp.Compare(a.Col, b.Col), cmp.Compare(a.Via, b.Via))
}

// originsString renders the OriginsAnnotation value: sorted, deduplicated.
func originsString(from map[ir.Origin]bool) string {
	var out []string
	for _, o := range slices.SortedFunc(maps.Keys(from), compareOrigins) {
		out = append(out, o.String())
	}
	return strings.Join(slices.Compact(out), OriginsSeparator)
}

func lower(d ir.Direction) string { return strings.ToLower(string(d)) }

// joinSorted joins errors sorted by origin, then message, dropping
// repeats.
func joinSorted(errs []located) error {
	slices.SortStableFunc(errs, func(a, b located) int {
		return cmp.Or(compareOrigins(a.origin, b.origin), strings.Compare(a.err.Error(), b.err.Error()))
	})
	var out []error
	for i, e := range errs {
		if i == 0 || e.err.Error() != errs[i-1].err.Error() {
			out = append(out, e.err)
		}
	}
	return errors.Join(out...)
}
