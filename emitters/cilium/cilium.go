// Package cilium emits CiliumNetworkPolicies (cilium.io/v2) from the IR:
// one policy per subject, holding its ingress and egress rules, sorted and
// named so that the output is byte-identical across runs.
//
// Semantics (docs.cilium.io, "Policy Enforcement Modes", "Layer 3/4"):
// in the default enforcement mode an endpoint selected by a policy with an
// ingress (egress) section is in default deny for that direction, and the
// rules of every policy selecting it are a union of allows, like
// NetworkPolicy. The mapping:
//
//   - isolation: the direction's section; with no rule, the empty rule
//     "- {}", which allows nothing;
//   - pod peers: from/toEndpoints; a namespace by name is the
//     k8s:io.kubernetes.pod.namespace label, other namespace selectors the
//     io.cilium.k8s.namespace.labels.<key> labels (with an explicit
//     "namespace exists" term, so that Cilium does not narrow the selector
//     to the policy's namespace);
//   - everything: the entity "all"; the world (0.0.0.0/0 and ::/0): the
//     entity "world"; other CIDRs: from/toCIDRSet with except;
//   - FQDN peers: toFQDNs, plus the DNS rule (rules.dns matchPattern "*")
//     towards the cluster DNS that Cilium needs to learn the names'
//     addresses, where the IR already allows that DNS traffic;
//   - ports: toPorts with protocol, port, endPort; named ports by name;
//     protocol-only ports as port "0".
//
// Cilium differs from NetworkPolicy as netpolc models it (DESIGN §3) in
// two places, which the emitter checks against the IR's declared workloads
// and refuses (ErrUnsupported) rather than widen or silently narrow:
//
//   - CIDR and world rules never match cluster endpoints, while an ipBlock
//     also matches a pod whose IP is known: a declared pod IP inside a CIDR
//     or world peer is an error;
//   - egress named ports: Cilium before 1.19 resolves an egress port name
//     to one number across the whole cluster (and ignores the rule when
//     pods disagree), so an egress named port is accepted only when every
//     declared workload with that name agrees on number and protocol and
//     every destination the rule selects declares it.
//
// With Options.AllowApproximate the emitter instead emits the narrower
// rule (the CIDR without the pods; the rule without the named port) and
// reports a Warning.
package cilium

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/netpolc/netpolc/emitters/cilium/ciliumapi"
	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/internal/inventory"
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

// Errors wrapped by Build, for errors.Is.
var (
	// ErrUnsupported marks an IR element Cilium cannot express exactly.
	ErrUnsupported = kit.Unsupported("cannot be expressed exactly as a CiliumNetworkPolicy")
	// ErrInvalid marks a value the API would reject.
	ErrInvalid = kit.ErrInvalid
)

// Options tune Build.
type Options struct {
	// Inventory is the workloads the output is proven over (their pod
	// IPs and named ports count in the checks), besides the IR's own.
	Inventory inventory.Inventory
	// AllowApproximate emits the nearest narrower rule where Cilium cannot
	// express a rule exactly, with a Warning, instead of failing.
	AllowApproximate bool
	// EgressNamedPortsPerDestination declares that the target Cilium
	// resolves egress named ports per destination identity, as NetworkPolicy
	// does (cilium/cilium#44429 and #45601); the emitter then skips its
	// egress named-port checks.
	EgressNamedPortsPerDestination bool
}

// Warning reports a rule Build narrowed under Options.AllowApproximate.
type Warning = kit.Warning

// policy collects everything that goes into one CiliumNetworkPolicy.
type policy struct {
	subject  ir.Subject // Pods in canonical form
	isolated [2]bool    // by dirIndex
	from     map[ir.Origin]bool
	groups   [2]map[string]*group  // by canonical port set
	fqdn     []ir.Origin           // egress FQDN rules, which need DNS visibility
	dns      *ciliumapi.EgressRule // the DNS visibility rule, once added
}

// group is the peers allowed on one port set.
type group struct {
	ports     []ciliumapi.PortProtocol
	all       bool
	endpoints map[string]metav1.LabelSelector
	entities  map[string]bool
	cidrs     map[string]ciliumapi.CIDRRule
	fqdns     map[string]ciliumapi.FQDNSelector
}

// located is an error about the IR element at an origin.
type located struct {
	origin ir.Origin
	err    error
}

// builder accumulates policies, warnings and every error found.
type builder struct {
	opts  Options
	cl    *kit.Cluster
	dns   ir.Peer
	pols  map[string]*policy
	errs  []located
	warns []Warning
}

// Build compiles p into CiliumNetworkPolicies, one per subject namespace
// and pod selector, sorted by namespace and name, with the warnings of
// approximated rules (sorted by origin). Every error found is returned,
// joined and sorted, each prefixed by its intent's origin; on error no
// policy is returned.
func Build(p *ir.Policy, opts Options) ([]ciliumapi.CiliumNetworkPolicy, []Warning, error) {
	if p == nil {
		return nil, nil, nil
	}
	b := &builder{opts: opts, cl: kit.NewCluster(p, opts.Inventory), dns: p.DNS, pols: map[string]*policy{}}
	if b.dns.Kind == "" {
		b.dns = kubeDNS
	}
	for _, iso := range p.Isolations {
		b.isolate(iso)
	}
	for _, r := range p.Rules {
		b.rule(r)
	}
	for _, key := range slices.Sorted(maps.Keys(b.pols)) {
		b.dnsVisibility(b.pols[key])
	}
	objs := b.objects()
	if len(b.errs) > 0 {
		return nil, nil, joinSorted(b.errs)
	}
	slices.SortStableFunc(b.warns, func(x, y Warning) int { return compareOrigins(x.Origin, y.Origin) })
	return objs, b.warns, nil
}

// kubeDNS is the cluster DNS when the IR names none.
var kubeDNS = ir.Peer{Kind: ir.PeerDNS,
	Namespaces: &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": "kube-system"}},
	Pods:       &metav1.LabelSelector{MatchLabels: map[string]string{"k8s-app": "kube-dns"}}}

// dirIndex indexes per-direction arrays; ok is false for an unknown
// direction.
func dirIndex(d ir.Direction) (int, bool) {
	switch d {
	case ir.Ingress:
		return 0, true
	case ir.Egress:
		return 1, true
	}
	return 0, false
}

// isolate records an isolation, creating the subject's policy.
func (b *builder) isolate(iso ir.Isolation) {
	d, ok := dirIndex(iso.Direction)
	if !ok {
		b.fail(iso.Origin, "isolation", iso.Subject, fmt.Errorf("%w direction %q", ErrInvalid, iso.Direction))
		return
	}
	pol, err := b.policyOf(iso.Subject)
	if err != nil {
		b.fail(iso.Origin, lower(iso.Direction)+" isolation", iso.Subject, err)
		return
	}
	pol.isolated[d] = true
	pol.from[iso.Origin] = true
}

// policyOf returns the policy of a subject, creating it. Subjects with one
// selector share a policy named after the smallest of their names.
func (b *builder) policyOf(s ir.Subject) (*policy, error) {
	sel, err := subjectSelector(s)
	if err != nil {
		return nil, err
	}
	key := s.Namespace + "\x00" + jsonKey(sel)
	pol := b.pols[key]
	if pol == nil {
		pol = &policy{subject: s, from: map[ir.Origin]bool{}}
		pol.groups = [2]map[string]*group{{}, {}}
		b.pols[key] = pol
	}
	if s.Name < pol.subject.Name {
		pol.subject.Name = s.Name
	}
	pol.subject.Pods = *sel
	return pol, nil
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
	pol, err := b.policyOf(r.Subject)
	if err != nil {
		b.fail(r.Origin, what, r.Subject, err)
		return
	}
	if !pol.isolated[d] {
		b.fail(r.Origin, what, r.Subject, fmt.Errorf("%w: no isolation for this subject and direction in the IR", ErrUnsupported))
		return
	}
	ports, key, keep, errs := b.ports(r)
	if len(errs) > 0 || !keep {
		b.fail(r.Origin, what, r.Subject, errs...)
		return
	}
	pol.from[r.Origin] = true
	g := pol.groups[d][key]
	if g == nil {
		g = &group{ports: ports, endpoints: map[string]metav1.LabelSelector{}, entities: map[string]bool{},
			cidrs: map[string]ciliumapi.CIDRRule{}, fqdns: map[string]ciliumapi.FQDNSelector{}}
		pol.groups[d][key] = g
	}
	if errs := b.peer(r, pol, g); len(errs) > 0 {
		b.fail(r.Origin, what, r.Subject, errs...)
	}
}

// fail records the problems of an IR element, each prefixed with the
// position of the intent so that each prints on its own line.
func (b *builder) fail(o ir.Origin, what string, s ir.Subject, errs ...error) {
	for _, err := range errs {
		b.errs = append(b.errs, located{o, fmt.Errorf("%s: %s of %s/%s: %w", o, what, s.Namespace, s.Name, err)})
	}
}

// approximate handles a rule Cilium cannot express exactly: an
// ErrUnsupported error, or under AllowApproximate a warning (the caller
// then narrows the rule).
func (b *builder) approximate(r ir.Rule, narrowed, why string) error {
	if b.opts.AllowApproximate {
		b.warns = append(b.warns, Warning{Origin: r.Origin, Message: fmt.Sprintf("%s rule of %s/%s: %s: narrowed: %s",
			lower(r.Direction), r.Subject.Namespace, r.Subject.Name, why, narrowed)})
		return nil
	}
	return fmt.Errorf("%s: %w (--allow-approximate would emit it narrower: %s)", why, ErrUnsupported, narrowed)
}

// objects turns the collected policies into API objects sorted by
// namespace and name, checking that names are valid and unique.
func (b *builder) objects() []ciliumapi.CiliumNetworkPolicy {
	var out []ciliumapi.CiliumNetworkPolicy
	byName := map[string]*policy{}
	for _, key := range slices.Sorted(maps.Keys(b.pols)) {
		pol := b.pols[key]
		if !pol.isolated[0] && !pol.isolated[1] {
			continue // made by rules without isolation, reported already
		}
		obj := pol.object()
		first := pol.origins()[0]
		id := obj.Namespace + "/" + obj.Name
		if msgs := validation.IsDNS1123Subdomain(obj.Name); len(msgs) > 0 {
			b.errs = append(b.errs, located{first, fmt.Errorf("%s: %w policy name %q: %s",
				first, ErrInvalid, obj.Name, strings.Join(msgs, "; "))})
			continue
		}
		if other := byName[id]; other != nil {
			b.errs = append(b.errs, located{first, fmt.Errorf("%s: %w policy name %q: two subjects with different selectors share it (the other is at %s)",
				first, ErrInvalid, obj.Name, other.origins()[0])})
			continue
		}
		byName[id] = pol
		out = append(out, obj)
	}
	slices.SortFunc(out, func(a, b ciliumapi.CiliumNetworkPolicy) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	})
	return out
}

// object renders one policy.
func (pol *policy) object() ciliumapi.CiliumNetworkPolicy {
	obj := ciliumapi.CiliumNetworkPolicy{
		TypeMeta: metav1.TypeMeta{APIVersion: ciliumapi.APIVersion, Kind: ciliumapi.Kind},
		ObjectMeta: metav1.ObjectMeta{
			Name:        pol.subject.Namespace + "-" + pol.subject.Name,
			Namespace:   pol.subject.Namespace,
			Labels:      map[string]string{ManagedByLabel: ManagedBy},
			Annotations: map[string]string{OriginsAnnotation: pol.originsString()},
		},
		Spec: ciliumapi.Rule{EndpointSelector: pol.subject.Pods},
	}
	if pol.isolated[0] {
		for _, key := range slices.Sorted(maps.Keys(pol.groups[0])) {
			obj.Spec.Ingress = append(obj.Spec.Ingress, pol.groups[0][key].ingress()...)
		}
		if len(obj.Spec.Ingress) == 0 {
			obj.Spec.Ingress = []ciliumapi.IngressRule{{}} // default deny, allowing nothing
		}
	}
	if pol.isolated[1] {
		for _, key := range slices.Sorted(maps.Keys(pol.groups[1])) {
			obj.Spec.Egress = append(obj.Spec.Egress, pol.groups[1][key].egress()...)
		}
		if pol.dns != nil {
			obj.Spec.Egress = append(obj.Spec.Egress, *pol.dns)
		}
		if len(obj.Spec.Egress) == 0 {
			obj.Spec.Egress = []ciliumapi.EgressRule{{}}
		}
	}
	return obj
}

// ingress renders a port group as ingress rules, one per kind of peer
// (Cilium's from-fields are mutually exclusive within a rule).
func (g *group) ingress() []ciliumapi.IngressRule {
	ports := portRules(g.ports)
	if g.all {
		return []ciliumapi.IngressRule{{FromEntities: []string{ciliumapi.EntityAll}, ToPorts: ports}}
	}
	var out []ciliumapi.IngressRule
	if len(g.endpoints) > 0 {
		out = append(out, ciliumapi.IngressRule{FromEndpoints: sortedValues(g.endpoints), ToPorts: ports})
	}
	if len(g.entities) > 0 {
		out = append(out, ciliumapi.IngressRule{FromEntities: slices.Sorted(maps.Keys(g.entities)), ToPorts: ports})
	}
	if len(g.cidrs) > 0 {
		out = append(out, ciliumapi.IngressRule{FromCIDRSet: sortedValues(g.cidrs), ToPorts: ports})
	}
	return out
}

// egress renders a port group as egress rules, one per kind of peer.
func (g *group) egress() []ciliumapi.EgressRule {
	ports := portRules(g.ports)
	if g.all {
		return []ciliumapi.EgressRule{{ToEntities: []string{ciliumapi.EntityAll}, ToPorts: ports}}
	}
	var out []ciliumapi.EgressRule
	if len(g.endpoints) > 0 {
		out = append(out, ciliumapi.EgressRule{ToEndpoints: sortedValues(g.endpoints), ToPorts: ports})
	}
	if len(g.entities) > 0 {
		out = append(out, ciliumapi.EgressRule{ToEntities: slices.Sorted(maps.Keys(g.entities)), ToPorts: ports})
	}
	if len(g.cidrs) > 0 {
		out = append(out, ciliumapi.EgressRule{ToCIDRSet: sortedValues(g.cidrs), ToPorts: ports})
	}
	if len(g.fqdns) > 0 {
		out = append(out, ciliumapi.EgressRule{ToFQDNs: sortedValues(g.fqdns), ToPorts: ports})
	}
	return out
}

// sortedValues returns a map's values ordered by key.
func sortedValues[T any](m map[string]T) []T {
	out := make([]T, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, m[k])
	}
	return out
}

// origins returns the policy's origins sorted by file, line, column and
// template.
func (pol *policy) origins() []ir.Origin {
	return slices.SortedFunc(maps.Keys(pol.from), compareOrigins)
}

func compareOrigins(a, b ir.Origin) int {
	return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line),
		cmp.Compare(a.Col, b.Col), cmp.Compare(a.Via, b.Via))
}

// originsString renders the OriginsAnnotation value.
func (pol *policy) originsString() string {
	var out []string
	for _, o := range pol.origins() {
		out = append(out, o.String())
	}
	return strings.Join(slices.Compact(out), OriginsSeparator)
}

func lower(d ir.Direction) string { return strings.ToLower(string(d)) }

// joinSorted joins errors sorted by origin, then message, dropping
// repeats, so that the report does not depend on the order of the IR.
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
