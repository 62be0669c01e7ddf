// Package networkpolicy emits Kubernetes NetworkPolicy (networking.k8s.io/v1)
// objects from the IR: one policy per subject and direction, its rules
// merged by port set, everything sorted so that the output is byte-identical
// across runs.
//
// The emitter fails closed: an IR element NetworkPolicy cannot express
// exactly (an FQDN peer, a deny rule) is an error naming the intent's
// position, never a wider policy; under --allow-approximate an FQDN rule is
// left out with a warning (narrower). Of the platform layer it expresses a
// baseline deny of everything, one isolation per covered namespace
// (platform.go), and refuses the rest.
package networkpolicy

import (
	"fmt"
	"maps"
	"slices"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
)

// Name is the target's name and output folder.
const Name = "networkpolicy"

// ErrUnsupported marks an IR element NetworkPolicy cannot express, such as
// an FQDN peer or a deny rule; it wraps kit.ErrUnsupported.
var ErrUnsupported = kit.Unsupported("cannot be expressed as a Kubernetes NetworkPolicy")

// ErrInvalid marks a value the Kubernetes API would reject: a bad
// selector, CIDR, port or object name.
var ErrInvalid = kit.ErrInvalid

// policy collects everything that goes into one NetworkPolicy.
type policy struct {
	subject  ir.Subject // Pods in canonical form
	dir      ir.Direction
	isolated bool
	from     kit.Origins      // of every rule and isolation in it
	rules    map[string]*rule // by canonical port set
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
	// subjects are the rules' subjects' selector keys (subjects.go).
	subjects map[subjectID]*subjectSel
	errs     *kit.Errors
	approx   bool          // leave out FQDN rules, with a warning
	warns    []kit.Warning // one per rule left out or narrowed
	notes    []kit.Warning // what the output assumes (platform.go)
}

// Build compiles p into NetworkPolicies, one per subject namespace, subject
// pod selector and direction, sorted by namespace and name.
//
// Subjects with the same selector share one policy, named after the
// smallest of their names. Every error found is returned as one
// diag.List, each at the position of the intent that caused it; on error
// no policy is returned.
func Build(p *ir.Policy) ([]networkingv1.NetworkPolicy, error) {
	res, err := build(p, inventory.Inventory{}, false)
	return res.pols, err
}

// result is what build makes: the policies, the narrowing warnings and
// the warnings on what the output assumes.
type result struct {
	pols         []networkingv1.NetworkPolicy
	warns, notes []kit.Warning
}

// build is Build over the namespaces of inv too (the platform layer's
// baseline is expanded per namespace, platform.go) that, with
// allowApproximate, leaves out each rule towards an FQDN peer (which
// NetworkPolicy cannot name; never an address guess) with a warning per
// rule: the result is narrower.
func build(p *ir.Policy, inv inventory.Inventory, allowApproximate bool) (result, error) {
	if p == nil {
		return result{}, nil
	}
	b := &builder{pols: map[string]*policy{}, subjects: map[subjectID]*subjectSel{}, errs: kit.NewErrors(Name), approx: allowApproximate}
	b.platform(p, inv)
	for _, iso := range p.Isolations {
		b.isolate(iso)
	}
	for _, r := range p.Rules {
		b.rule(r)
	}
	pols := b.objects()
	if err := b.errs.Err(); err != nil {
		return result{}, err
	}
	return result{pols: pols, warns: b.warns, notes: b.notes}, nil
}

// isolate records an isolation, creating the subject's policy.
func (b *builder) isolate(iso ir.Isolation) {
	sel, _, ok := kit.Isolated(b.errs, iso, podSelector)
	if !ok {
		return
	}
	key := policyKey(iso.Subject.Namespace, iso.Direction, sel)
	pol := b.pols[key]
	if pol == nil {
		pol = &policy{dir: iso.Direction, from: kit.Origins{}, rules: map[string]*rule{}}
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
	pol.from.Add(iso.Origin)
}

// rule adds an allow rule to its subject's policy.
func (b *builder) rule(r ir.Rule) {
	_, what, ok := b.errs.AllowRule(r, ErrUnsupported)
	if !ok {
		return
	}
	if r.Peer.Kind == ir.PeerFQDN && b.approx {
		b.warns = append(b.warns, kit.Warning{Origin: r.Origin, Message: fmt.Sprintf("%s of %s/%s: FQDN peer %q: %v: left out (narrower)",
			what, r.Subject.Namespace, r.Subject.Name, r.Peer.FQDN, ErrUnsupported)})
		return
	}
	selKey, errs := b.subjectKey(r.Subject)
	if len(errs) > 0 {
		b.errs.Fail(r.Origin, what, r.Subject, errs...)
		return
	}
	pol := b.pols[keyOf(r.Subject.Namespace, r.Direction, selKey)]
	if pol == nil || !pol.isolated {
		// NetworkPolicy cannot allow without isolating; emitting this rule
		// would deny everything else, which the IR did not ask for.
		b.errs.Fail(r.Origin, what, r.Subject, kit.NotIsolated(ErrUnsupported))
		return
	}
	ports, portsKey, perrs := convertPorts(r.Ports)
	peers, all, errs := convertPeer(r.Peer)
	if errs = append(perrs, errs...); len(errs) > 0 {
		b.errs.Fail(r.Origin, what, r.Subject, errs...)
		return
	}
	pol.from.Add(r.Origin)
	g := pol.rules[portsKey]
	if g == nil {
		g = &rule{ports: ports, peers: map[string]networkingv1.NetworkPolicyPeer{}}
		pol.rules[portsKey] = g
	}
	g.all = g.all || all
	for _, p := range peers {
		g.peers[kit.JSONKey(p)] = p
	}
}

// objects turns the collected policies into API objects sorted by
// namespace and name, checking that names are valid and unique.
func (b *builder) objects() []networkingv1.NetworkPolicy {
	return kit.Claimed(kit.NewNames(b.errs), b.pols, func(pol *policy) (networkingv1.NetworkPolicy, kit.Origins, bool) {
		return pol.object(), pol.from, true
	})
}

// object renders one policy.
func (pol *policy) object() networkingv1.NetworkPolicy {
	name := pol.subject.Namespace + "-" + kit.Lower(pol.dir) + "-" + pol.subject.Name
	obj := networkingv1.NetworkPolicy{
		TypeMeta:   typeMeta,
		ObjectMeta: kit.ObjectMeta(pol.subject.Namespace, name, pol.from),
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

// podSelector is the canonical spec.podSelector of a subject.
func podSelector(s ir.Subject) (*metav1.LabelSelector, []error) {
	return kit.SubjectSelector(s, "spec.podSelector")
}

// policyKey identifies the policy of a subject selector and direction.
func policyKey(namespace string, d ir.Direction, sel *metav1.LabelSelector) string {
	return keyOf(namespace, d, kit.JSONKey(sel))
}

// keyOf is policyKey of a selector's JSON key.
func keyOf(namespace string, d ir.Direction, selKey string) string {
	return namespace + "\x00" + string(d) + "\x00" + selKey
}

// typeMeta is the kind of every emitted object.
var typeMeta = metav1.TypeMeta{APIVersion: networkingv1.SchemeGroupVersion.String(), Kind: "NetworkPolicy"}
