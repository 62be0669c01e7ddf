// Package networkpolicy emits Kubernetes NetworkPolicy (networking.k8s.io/v1)
// objects from the IR: one policy per subject and direction, its rules
// merged by port set, everything sorted so that the output is byte-identical
// across runs.
//
// The emitter fails closed: an IR element NetworkPolicy cannot express
// exactly (an FQDN peer, a deny rule) is an error naming the intent's
// position, never a wider policy.
package networkpolicy

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/netpolc/netpolc/internal/ir"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
)

// Metadata netpolc puts on every NetworkPolicy it emits.
const (
	// ManagedByLabel is the well-known label naming the tool that manages
	// an object; its value is ManagedBy.
	ManagedByLabel = "app.kubernetes.io/managed-by"
	// ManagedBy is the value of ManagedByLabel.
	ManagedBy = "netpolc"
	// OriginsAnnotation lists, sorted and joined with "; ", the positions of
	// every intent (rule or isolation) that went into the policy, so a
	// reviewer can trace a policy back to its CUE line.
	OriginsAnnotation = "netpolc.dev/origins"
	// OriginsSeparator joins the origins in OriginsAnnotation.
	OriginsSeparator = "; "
)

// Errors wrapped by Build, for errors.Is.
var (
	// ErrUnsupported marks an IR element NetworkPolicy cannot express, such
	// as an FQDN peer or a deny rule.
	ErrUnsupported = errors.New("cannot be expressed as a Kubernetes NetworkPolicy")
	// ErrInvalid marks a value the Kubernetes API would reject: a bad
	// selector, CIDR, port or object name.
	ErrInvalid = errors.New("invalid")
)

// policy collects everything that goes into one NetworkPolicy.
type policy struct {
	subject  ir.Subject // Pods in canonical form
	dir      ir.Direction
	isolated bool
	from     map[ir.Origin]bool // of every rule and isolation in it
	rules    map[string]*rule   // by canonical port set
}

// rule is one NetworkPolicy rule: a port set and the peers allowed on it.
type rule struct {
	ports []networkingv1.NetworkPolicyPort
	all   bool                                      // a PeerAll: no from/to at all
	peers map[string]networkingv1.NetworkPolicyPeer // by canonical JSON
}

// builder accumulates policies and every error found on the way.
type builder struct {
	pols map[string]*policy // by namespace, direction and subject selector
	errs []located
}

// located is an error about the IR element at an origin.
type located struct {
	origin ir.Origin
	err    error
}

// Build compiles p into NetworkPolicies, one per subject namespace, subject
// pod selector and direction, sorted by namespace and name.
//
// Subjects with the same selector share one policy, named after the
// smallest of their names. Every error found is returned (joined and
// sorted), each prefixed by the origin of the intent that caused it; on
// error no policy is returned.
func Build(p *ir.Policy) ([]networkingv1.NetworkPolicy, error) {
	if p == nil {
		return nil, nil
	}
	b := &builder{pols: map[string]*policy{}}
	for _, iso := range p.Isolations {
		b.isolate(iso)
	}
	for _, r := range p.Rules {
		b.rule(r)
	}
	pols := b.objects()
	if len(b.errs) > 0 {
		return nil, joinSorted(b.errs)
	}
	return pols, nil
}

// isolate records an isolation, creating the subject's policy.
func (b *builder) isolate(iso ir.Isolation) {
	if err := checkDirection(iso.Direction); err != nil {
		b.fail(iso.Origin, "isolation", iso.Subject, err)
		return
	}
	sel, errs := subjectSelector(iso.Subject)
	if len(errs) > 0 {
		b.fail(iso.Origin, strings.ToLower(string(iso.Direction))+" isolation", iso.Subject, errs...)
		return
	}
	key := policyKey(iso.Subject.Namespace, iso.Direction, sel)
	pol := b.pols[key]
	if pol == nil {
		pol = &policy{dir: iso.Direction, from: map[ir.Origin]bool{}, rules: map[string]*rule{}}
		pol.subject = iso.Subject
		b.pols[key] = pol
	}
	// Several subject names for one selector: keep the smallest, so the
	// name does not depend on the order of the IR.
	if iso.Subject.Name < pol.subject.Name {
		pol.subject.Name = iso.Subject.Name
	}
	pol.subject.Pods = *sel
	pol.isolated = true
	pol.from[iso.Origin] = true
}

// rule adds an allow rule to its subject's policy.
func (b *builder) rule(r ir.Rule) {
	what := strings.ToLower(string(r.Direction)) + " rule"
	if err := checkDirection(r.Direction); err != nil {
		b.fail(r.Origin, "rule", r.Subject, err)
		return
	}
	if r.Action != ir.Allow && r.Action != "" {
		b.fail(r.Origin, what, r.Subject, fmt.Errorf("action %q: %w", r.Action, ErrUnsupported))
		return
	}
	sel, errs := subjectSelector(r.Subject)
	if len(errs) > 0 {
		b.fail(r.Origin, what, r.Subject, errs...)
		return
	}
	pol := b.pols[policyKey(r.Subject.Namespace, r.Direction, sel)]
	if pol == nil || !pol.isolated {
		// NetworkPolicy cannot allow without isolating; emitting this rule
		// would deny everything else, which the IR did not ask for.
		b.fail(r.Origin, what, r.Subject, fmt.Errorf("%w: no isolation for this subject and direction in the IR", ErrUnsupported))
		return
	}
	ports, portsKey, perrs := convertPorts(r.Ports)
	peers, all, errs := convertPeer(r.Peer)
	if errs = append(perrs, errs...); len(errs) > 0 {
		b.fail(r.Origin, what, r.Subject, errs...)
		return
	}
	pol.from[r.Origin] = true
	g := pol.rules[portsKey]
	if g == nil {
		g = &rule{ports: ports, peers: map[string]networkingv1.NetworkPolicyPeer{}}
		pol.rules[portsKey] = g
	}
	g.all = g.all || all
	for _, p := range peers {
		g.peers[jsonKey(p)] = p
	}
}

// fail records the problems of an IR element, each prefixed with the
// position of the intent so that each prints on its own line.
func (b *builder) fail(o ir.Origin, what string, s ir.Subject, errs ...error) {
	for _, err := range errs {
		b.errs = append(b.errs, located{o, fmt.Errorf("%s: %s of %s/%s: %w", o, what, s.Namespace, s.Name, err)})
	}
}

// objects turns the collected policies into API objects sorted by
// namespace and name, checking that names are valid and unique.
func (b *builder) objects() []networkingv1.NetworkPolicy {
	var out []networkingv1.NetworkPolicy
	byName := map[string]*policy{}
	for _, key := range slices.Sorted(maps.Keys(b.pols)) {
		pol := b.pols[key]
		obj := pol.object()
		first := pol.origins()[0]
		if msgs := validation.IsDNS1123Subdomain(obj.Name); len(msgs) > 0 {
			b.errs = append(b.errs, located{first, fmt.Errorf("%s: %w policy name %q: %s",
				first, ErrInvalid, obj.Name, strings.Join(msgs, "; "))})
			continue
		}
		if other := byName[obj.Name]; other != nil {
			b.errs = append(b.errs, located{first, fmt.Errorf("%s: %w policy name %q: two subjects with different selectors share it (the other is at %s)",
				first, ErrInvalid, obj.Name, other.origins()[0])})
			continue
		}
		byName[obj.Name] = pol
		out = append(out, obj)
	}
	slices.SortFunc(out, func(a, b networkingv1.NetworkPolicy) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	})
	return out
}

// object renders one policy.
func (pol *policy) object() networkingv1.NetworkPolicy {
	dir := strings.ToLower(string(pol.dir))
	obj := networkingv1.NetworkPolicy{
		TypeMeta: metav1.TypeMeta{APIVersion: networkingv1.SchemeGroupVersion.String(), Kind: "NetworkPolicy"},
		ObjectMeta: metav1.ObjectMeta{
			Name:        pol.subject.Namespace + "-" + dir + "-" + pol.subject.Name,
			Namespace:   pol.subject.Namespace,
			Labels:      map[string]string{ManagedByLabel: ManagedBy},
			Annotations: map[string]string{OriginsAnnotation: pol.originsString()},
		},
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: pol.subject.Pods,
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyType(pol.dir)},
		},
	}
	// The empty port set ("all ports") has the empty key and comes first;
	// the keys sort like the port lists themselves (see portsKey).
	for _, key := range slices.Sorted(maps.Keys(pol.rules)) {
		g := pol.rules[key]
		var peers []networkingv1.NetworkPolicyPeer
		if !g.all {
			for _, k := range slices.Sorted(maps.Keys(g.peers)) {
				peers = append(peers, g.peers[k])
			}
		}
		if pol.dir == ir.Ingress {
			obj.Spec.Ingress = append(obj.Spec.Ingress, networkingv1.NetworkPolicyIngressRule{Ports: g.ports, From: peers})
		} else {
			obj.Spec.Egress = append(obj.Spec.Egress, networkingv1.NetworkPolicyEgressRule{Ports: g.ports, To: peers})
		}
	}
	return obj
}

// origins returns the origins of the policy's rules and isolations sorted
// by file, line, column and template.
func (pol *policy) origins() []ir.Origin {
	return slices.SortedFunc(maps.Keys(pol.from), func(a, b ir.Origin) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line),
			cmp.Compare(a.Col, b.Col), cmp.Compare(a.Via, b.Via))
	})
}

// originsString renders the OriginsAnnotation value: sorted, deduplicated
// (two templates expanding at one position print the same), joined.
func (pol *policy) originsString() string {
	var out []string
	for _, o := range pol.origins() {
		out = append(out, o.String())
	}
	return strings.Join(slices.Compact(out), OriginsSeparator)
}

// checkDirection rejects directions other than Ingress and Egress.
func checkDirection(d ir.Direction) error {
	if d != ir.Ingress && d != ir.Egress {
		return fmt.Errorf("%w direction %q", ErrInvalid, d)
	}
	return nil
}

// policyKey identifies the policy of a subject selector and direction.
func policyKey(namespace string, d ir.Direction, sel *metav1.LabelSelector) string {
	return namespace + "\x00" + string(d) + "\x00" + jsonKey(sel)
}

// subjectSelector validates a subject and returns its selector in
// canonical form.
func subjectSelector(s ir.Subject) (*metav1.LabelSelector, []error) {
	var errs []error
	if msgs := validation.IsDNS1123Label(s.Namespace); len(msgs) > 0 {
		errs = append(errs, fmt.Errorf("%w namespace %q: %s", ErrInvalid, s.Namespace, strings.Join(msgs, "; ")))
	}
	sel := canonicalSelector(&s.Pods)
	if err := checkSelector("spec.podSelector", sel); err != nil {
		errs = append(errs, err)
	}
	return sel, errs
}

// joinSorted joins errors sorted by origin, then message, dropping
// repeats, so that the report does not depend on the order of the IR.
func joinSorted(errs []located) error {
	slices.SortStableFunc(errs, func(a, b located) int {
		return cmp.Or(cmp.Compare(a.origin.File, b.origin.File), cmp.Compare(a.origin.Line, b.origin.Line),
			cmp.Compare(a.origin.Col, b.origin.Col), strings.Compare(a.err.Error(), b.err.Error()))
	})
	var out []error
	for i, e := range errs {
		if i == 0 || e.err.Error() != errs[i-1].err.Error() {
			out = append(out, e.err)
		}
	}
	return errors.Join(out...)
}
