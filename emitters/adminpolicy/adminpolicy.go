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
// What the API cannot express fails closed with errUnsupported, naming the
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
//   - v1alpha1 on the standard CRD channel: named ports some destination
//     declares (ports[].namedPort is an experimental field; channel.go);
//   - host-network pods, which the API excludes from subjects and pod
//     peers (hostnetwork.go): a subject selecting one (always), a peer
//     selecting one, and networks rules while one's address is unknown
//     (always);
//   - CIDR and world peers overlapping cluster.podCIDRs, whose unknown pods
//     networks match (podcidr.go);
//   - deny and pass actions of the teams' rules (the IR's namespaced rules
//     are allows).
//
// The platform layer's cluster-wide intents (ir.ClusterPolicy) map onto
// the API's own tiers, rule for rule, ranked around the teams' policies
// (platform.go), and are never narrowed.
//
// With Options.AllowApproximate the named-port and pod-peer cases drop the
// port, the rule or the pod networks, with one kit.Warning per rule: the
// result is narrower. Equal priorities never mix actions (ties.go).
package adminpolicy

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netpolc/netpolc/emitters/adminpolicy/adminapi"
	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/portset"
)

// Priorities of the emitted policies (lower is evaluated first).
const (
	allowPriority = 100
	// denyPriority is the Baseline tier's deny (v1alpha2).
	denyPriority = 100
	// denyPriorityV1Alpha1 is the Admin tier's deny, after every allow
	// (v1alpha1).
	denyPriorityV1Alpha1 = 1000
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

// errUnsupported marks an IR element the admin API cannot express
// exactly; it wraps kit.errUnsupported. A value the API would reject
// wraps kit.ErrInvalid.
var errUnsupported = kit.Unsupported("cannot be expressed exactly as an admin network policy")

// Options tune Build.
type Options struct {
	// Inventory is the workloads the output is proven over (their pod
	// IPs and named ports count in the checks), besides the IR's own.
	Inventory inventory.Inventory
	// API is the version and channel of the cluster's CRDs (the zero
	// value: v1alpha2, standard): the output uses only their fields.
	API adminapi.API
	// AllowApproximate drops what the API cannot express exactly where the
	// result is narrower, with a kit.Warning, instead of failing.
	AllowApproximate bool
}

// subject collects what goes into one subject's policies.
type subject struct {
	s        ir.Subject // Pods in canonical form
	isolated [2]bool
	trivial  bool // an ingress rule allows every peer on every port
	isoFrom  [2][]ir.Origin
	from     [2]kit.Origins
	rules    [2][]rule
}

// isolatedIn reports whether the subject is isolated in direction d.
func (s *subject) isolatedIn(d int) bool { return s.isolated[d] }

// rule is a version-neutral admin rule.
type rule struct {
	// action is the platform rule's (platform.go); the teams' rules
	// leave it empty: their policy's part says allow or deny.
	action ir.Action
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

// builder accumulates subjects, the warnings of narrowed rules and every
// error found on the way.
type builder struct {
	opts     Options
	cl       *kit.Cluster
	subjects map[string]*subject
	errs     *kit.Errors
	// narrowed holds, per narrowed rule (narrowKey), what approximation
	// dropped from it: one warning per rule (narrow.go).
	narrowed map[string]*narrowing
	podCIDRs []string // the declared pod networks (cluster.podCIDRs)
	// cluster are the platform layer's policies (platform.go); exact
	// is set while they are translated: nothing of them is narrowed.
	cluster []clusterPart
	exact   bool
}

// Build compiles p into admin policies, sorted by name, with the warnings
// of narrowed rules (sorted by origin). Every error found is returned as
// one diag.List, each at the position of the intent that caused it; on
// error no object is returned.
func Build(p *ir.Policy, opts Options) (*adminapi.Objects, []kit.Warning, error) {
	if p == nil {
		return &adminapi.Objects{}, nil, nil
	}
	b := &builder{opts: opts, cl: kit.NewCluster(p, opts.Inventory), subjects: map[string]*subject{}, errs: kit.NewErrors(targetName),
		narrowed: map[string]*narrowing{}, podCIDRs: p.PodCIDRs}
	for _, iso := range p.Isolations {
		b.isolate(iso)
	}
	for _, r := range p.Rules {
		b.rule(r)
	}
	b.checkIngress()
	b.platform(p)
	b.checkLayering()
	objs := b.objects()
	if err := b.errs.Err(); err != nil {
		return nil, nil, err
	}
	return objs, b.warnings(), nil
}

// subjectOf returns a subject's entry, creating it; subjects with one
// selector share an entry named after the smallest of their names.
func (b *builder) subjectOf(s ir.Subject) (*subject, []error) {
	sel, errs := kit.SubjectSelector(s, "subject.podSelector")
	if len(errs) > 0 {
		return nil, errs
	}
	key := s.Namespace + "\x00" + kit.JSONKey(sel)
	sub := b.subjects[key]
	if sub == nil {
		sub = &subject{s: s, from: [2]kit.Origins{{}, {}}}
		b.subjects[key] = sub
	}
	if s.Name < sub.s.Name {
		sub.s.Name = s.Name
	}
	sub.s.Pods = *sel
	return sub, nil
}

// isolate records an isolation on its subject.
func (b *builder) isolate(iso ir.Isolation) {
	sub, d, ok := kit.Isolated(b.errs, iso, b.subjectOf)
	if !ok {
		return
	}
	if d == 1 {
		if err := b.hostNetworkSubject(iso.Subject); err != nil {
			b.errs.Fail(iso.Origin, "egress isolation", iso.Subject, err)
			return
		}
	}
	sub.isolated[d] = true
	sub.isoFrom[d] = append(sub.isoFrom[d], iso.Origin)
	sub.from[d].Add(iso.Origin)
}

// rule translates an allow rule into its subject's version-neutral rules.
func (b *builder) rule(r ir.Rule) {
	sub, d, what, ok := kit.Allowed(b.errs, r, errUnsupported, b.subjectOf, (*subject).isolatedIn)
	if !ok {
		return
	}
	if d == 0 {
		// Ingress rules only matter for whether the subject is open to
		// everything; checkIngress reports the rest.
		sub.trivial = sub.trivial || (r.Peer.Kind == ir.PeerAll && len(r.Ports) == 0)
		sub.from[d].Add(r.Origin)
		return
	}
	rules, errs := b.egress(r)
	if len(errs) > 0 {
		b.errs.Fail(r.Origin, what, r.Subject, errs...)
		return
	}
	sub.from[d].Add(r.Origin)
	sub.rules[d] = append(sub.rules[d], rules...)
}

// errIngress is why an ingress isolation cannot be emitted. No narrower
// rule set exists either, so AllowApproximate does not apply.
var errIngress = kit.Hinted(fmt.Errorf("%w: admin policy ingress peers select namespaces and pods only, so no rule can deny or allow "+
	"traffic from outside the cluster and the subject would stay open to it", errUnsupported),
	"no narrower rule set exists; use the networkpolicy, cilium or calico target for ingress isolation")

// checkIngress fails the ingress isolations of subjects not open to
// everything: the admin API cannot match sources outside the cluster. One
// error, at the first of them, lists every subject and intent line, so a
// cluster of such intents does not print the same explanation per line.
func (b *builder) checkIngress() {
	var (
		first    ir.Origin
		firstSub ir.Subject
		lines    []string
	)
	for _, key := range slices.Sorted(maps.Keys(b.subjects)) {
		sub := b.subjects[key]
		if !sub.isolated[0] || sub.trivial {
			continue
		}
		for _, o := range sub.isoFrom[0] {
			if len(lines) == 0 || o.Pos.Compare(first.Pos) < 0 {
				first, firstSub = o, sub.s
			}
			lines = append(lines, fmt.Sprintf("  %s/%s ← %s", sub.s.Namespace, sub.s.Name, o))
		}
	}
	switch len(lines) {
	case 0:
		return
	case 1:
		b.errs.Fail(first, "ingress isolation", firstSub, errIngress)
		return
	}
	slices.Sort(lines)
	b.errs.At(ir.Origin{Pos: first.Pos}, fmt.Errorf("ingress isolation of %d subjects: %w:\n%s", len(lines), errIngress, strings.Join(lines, "\n")))
}
