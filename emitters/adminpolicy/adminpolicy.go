// Package adminpolicy emits the IR as cluster-scoped admin policies of
// policy.networking.k8s.io: ClusterNetworkPolicy v1alpha2 by default, or
// AdminNetworkPolicy v1alpha1 on request, sorted and named so that the
// output is byte-identical across runs.
//
// The mapping keeps NetworkPolicy's meaning (each subject isolated in a
// direction allows the union of its rules):
//
//   - each allow rule is an Accept rule in the Admin tier (priority 100),
//     for a subject that selects the namespace by name and the pods; peers
//     are namespaces, namespace+pod selectors, networks (a CIDR minus its
//     holes as the fewest prefixes, since networks have no except), and
//     domain names for FQDN peers;
//   - each egress isolation is a Deny of every pod and every address
//     (0.0.0.0/0 and ::/0) in the Baseline tier (v1alpha2), or in the Admin
//     tier after every Accept (v1alpha1: priority 1000, since the
//     BaselineAdminNetworkPolicy is a cluster singleton with one subject).
//
// What the API cannot express fails closed with ErrUnsupported, naming the
// intent's position:
//
//   - ingress isolation: ingress peers are namespaces and pods only, so no
//     rule can deny (or allow by address) traffic from outside the cluster;
//     an isolated subject would stay open to it. Only a subject whose
//     ingress rules allow every peer on every port (nothing to isolate) is
//     accepted, and emits nothing. Narrowing cannot help here, so this
//     stays an error under AllowApproximate;
//   - named ports match a container port of any protocol: a rule naming a
//     port that a destination declares with another protocol fails, as does
//     a named port towards networks (the CRD forbids it) when a declared
//     pod with a known IP inside them has that name;
//   - deny and pass actions (netpolc emits allow rules only).
//
// With Options.AllowApproximate the named-port cases drop the port (and a
// rule left without ports) with a Warning: the result is narrower.
package adminpolicy

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/netpolc/netpolc/internal/portset"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/netpolc/netpolc/emitters/adminpolicy/adminapi"
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

// Priorities of the emitted policies (lower is evaluated first).
const (
	AllowPriority = 100
	// DenyPriority is the Baseline tier's deny (v1alpha2).
	DenyPriority = 100
	// DenyPriorityV1Alpha1 is the Admin tier's deny, after every allow
	// (v1alpha1).
	DenyPriorityV1Alpha1 = 1000
)

// Limits of the API (the CRDs' maxItems and maxLength).
const (
	maxRulesV1Alpha2  = 25
	maxRulesV1Alpha1  = 100
	maxListV1Alpha2   = 25 // peers and protocols of a rule
	maxListV1Alpha1   = 100
	maxNetworks       = 25
	maxRuleNameLength = 100
)

const (
	everyAddress4       = "0.0.0.0/0"
	everyAddress6       = "::/0"
	metadataNameLabel   = inventory.MetadataNameLabel
	defaultDenyRuleName = "default-deny"
)

// Errors wrapped by Build, for errors.Is.
var (
	// ErrUnsupported marks an IR element the admin API cannot express
	// exactly.
	ErrUnsupported = kit.Unsupported("cannot be expressed exactly as an admin network policy")
	// ErrInvalid marks a value the API would reject.
	ErrInvalid = kit.ErrInvalid
)

// Options tune Build.
type Options struct {
	// Inventory is the workloads the output is proven over (their pod
	// IPs and named ports count in the checks), besides the IR's own.
	Inventory inventory.Inventory
	// V1Alpha1 emits AdminNetworkPolicy v1alpha1 instead of
	// ClusterNetworkPolicy v1alpha2.
	V1Alpha1 bool
	// AllowApproximate drops what the API cannot express exactly where the
	// result is narrower, with a Warning, instead of failing.
	AllowApproximate bool
}

// Warning reports a rule Build narrowed under Options.AllowApproximate.
type Warning = kit.Warning

// subject collects what goes into one subject's policies.
type subject struct {
	s        ir.Subject // Pods in canonical form
	isolated [2]bool
	trivial  bool // an ingress rule allows every peer on every port
	isoFrom  [2][]ir.Origin
	from     [2]map[ir.Origin]bool
	rules    [2][]rule
}

// rule is a version-neutral admin rule.
type rule struct {
	name   string
	origin ir.Origin
	peers  []peer
	ports  []port // nil: every port
}

// peer is one admin peer: exactly one field is set.
type peer struct {
	namespaces *metav1.LabelSelector
	pods       *[2]metav1.LabelSelector // namespace, pod selectors
	networks   []string
	domains    []string
}

// port is one port: a name, or first..last of a protocol.
type port struct {
	proto       portset.Protocol
	first, last int32
	name        string
}

type located struct {
	origin ir.Origin
	err    error
}

type builder struct {
	opts     Options
	cl       *kit.Cluster
	subjects map[string]*subject
	errs     []located
	warns    []Warning
}

// Build compiles p into admin policies, sorted by name, with the warnings
// of narrowed rules (sorted by origin). Every error found is returned,
// joined and sorted, each prefixed by its intent's origin; on error no
// object is returned.
func Build(p *ir.Policy, opts Options) (*adminapi.Objects, []Warning, error) {
	if p == nil {
		return &adminapi.Objects{}, nil, nil
	}
	b := &builder{opts: opts, cl: kit.NewCluster(p, opts.Inventory), subjects: map[string]*subject{}}
	for _, iso := range p.Isolations {
		b.isolate(iso)
	}
	for _, r := range p.Rules {
		b.rule(r)
	}
	b.checkIngress()
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

// subjectOf returns a subject's entry, creating it; subjects with one
// selector share an entry named after the smallest of their names.
func (b *builder) subjectOf(s ir.Subject) (*subject, error) {
	if msgs := validation.IsDNS1123Label(s.Namespace); len(msgs) > 0 {
		return nil, fmt.Errorf("%w namespace %q: %s", ErrInvalid, s.Namespace, strings.Join(msgs, "; "))
	}
	sel := canonicalSelector(&s.Pods)
	if err := checkSelector("subject.podSelector", sel); err != nil {
		return nil, err
	}
	key := s.Namespace + "\x00" + jsonKey(sel)
	sub := b.subjects[key]
	if sub == nil {
		sub = &subject{s: s, from: [2]map[ir.Origin]bool{{}, {}}}
		b.subjects[key] = sub
	}
	if s.Name < sub.s.Name {
		sub.s.Name = s.Name
	}
	sub.s.Pods = *sel
	return sub, nil
}

func (b *builder) isolate(iso ir.Isolation) {
	d, ok := dirIndex(iso.Direction)
	if !ok {
		b.fail(iso.Origin, "isolation", iso.Subject, fmt.Errorf("%w direction %q", ErrInvalid, iso.Direction))
		return
	}
	sub, err := b.subjectOf(iso.Subject)
	if err != nil {
		b.fail(iso.Origin, lower(iso.Direction)+" isolation", iso.Subject, err)
		return
	}
	sub.isolated[d] = true
	sub.isoFrom[d] = append(sub.isoFrom[d], iso.Origin)
	sub.from[d][iso.Origin] = true
}

// rule translates an allow rule into its subject's version-neutral rules.
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
	sub, err := b.subjectOf(r.Subject)
	if err != nil {
		b.fail(r.Origin, what, r.Subject, err)
		return
	}
	if !sub.isolated[d] {
		b.fail(r.Origin, what, r.Subject, fmt.Errorf("%w: no isolation for this subject and direction in the IR", ErrUnsupported))
		return
	}
	if d == 0 {
		// Ingress rules only matter for whether the subject is open to
		// everything; checkIngress reports the rest.
		sub.trivial = sub.trivial || (r.Peer.Kind == ir.PeerAll && len(r.Ports) == 0)
		sub.from[d][r.Origin] = true
		return
	}
	rules, errs := b.egress(r)
	if len(errs) > 0 {
		b.fail(r.Origin, what, r.Subject, errs...)
		return
	}
	sub.from[d][r.Origin] = true
	sub.rules[d] = append(sub.rules[d], rules...)
}

// checkIngress fails every ingress isolation of a subject not open to
// everything: the admin API cannot match sources outside the cluster.
func (b *builder) checkIngress() {
	for _, key := range slices.Sorted(maps.Keys(b.subjects)) {
		sub := b.subjects[key]
		if !sub.isolated[0] || sub.trivial {
			continue
		}
		for _, o := range sub.isoFrom[0] {
			b.fail(o, "ingress isolation", sub.s, fmt.Errorf("%w: admin policy ingress peers select namespaces and pods only, so no rule can deny or allow "+
				"traffic from outside the cluster and the subject would stay open to it (no narrower rule set exists; use the networkpolicy, "+
				"cilium or calico target for ingress isolation)", ErrUnsupported))
		}
	}
}

func (b *builder) fail(o ir.Origin, what string, s ir.Subject, errs ...error) {
	for _, err := range errs {
		b.errs = append(b.errs, located{o, fmt.Errorf("%s: %s of %s/%s: %w", o, what, s.Namespace, s.Name, err)})
	}
}

// approximate handles what the API cannot express exactly: an error, or
// under AllowApproximate a warning (the caller then narrows the rule).
func (b *builder) approximate(r ir.Rule, narrowed, why string) error {
	if b.opts.AllowApproximate {
		b.warns = append(b.warns, Warning{Origin: r.Origin, Message: fmt.Sprintf("%s rule of %s/%s: %s: narrowed: %s",
			lower(r.Direction), r.Subject.Namespace, r.Subject.Name, why, narrowed)})
		return nil
	}
	return fmt.Errorf("%s: %w (--allow-approximate would emit it narrower: %s)", why, ErrUnsupported, narrowed)
}

func lower(d ir.Direction) string { return strings.ToLower(string(d)) }

func compareOrigins(a, b ir.Origin) int {
	return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line),
		cmp.Compare(a.Col, b.Col), cmp.Compare(a.Via, b.Via))
}

// originsString renders the OriginsAnnotation value: sorted, deduplicated.
func originsString(from ...map[ir.Origin]bool) string {
	all := map[ir.Origin]bool{}
	for _, m := range from {
		maps.Copy(all, m)
	}
	var out []string
	for _, o := range slices.SortedFunc(maps.Keys(all), compareOrigins) {
		out = append(out, o.String())
	}
	return strings.Join(slices.Compact(out), OriginsSeparator)
}

// joinSorted joins errors sorted by origin, then message, dropping repeats.
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
