// Package calico interprets Calico policies (projectcalico.org/v3) with
// Calico's documented semantics, by translating them into the evaluation
// model's normalised policies, so that the emitted Calico rule set can be
// checked against the NetworkPolicy target over an inventory.
//
// Semantics (docs.tigera.io "Get started with policy tiers", "Network
// policy" and "Rule" references): the policies of a tier are evaluated by
// order, then name; in a policy the rules are evaluated in order and the
// first match decides (Log matches and goes on); when no rule decided, an
// endpoint that some policy of the tier selects in that direction meets the
// tier's defaultAction (Deny by default), and an endpoint no policy of the
// tier selects skips it. With nothing after the tier, skipping allows.
//
// The model's NetworkPolicy tier is a union of allows for isolated
// endpoints, so the interpreter supports the allow-list shape of a tier
// whose end denies: Allow rules, and Deny rules that match everything (a
// default deny). Every policy isolates the endpoints it selects in its
// types; its Allow rules are the NetworkPolicy's rules; rules after a
// default deny in a policy never match and are dropped. It refuses
// (enforcer.ErrUnsupported) what that union cannot express: an Allow rule
// evaluated after a default deny that may select the same endpoints (any
// later policy of the same namespace), Deny rules with match criteria, Pass,
// tiers whose defaultAction is Pass, policies spread over several tiers,
// nets combined with selectors, notNets without nets, substring operators,
// and selectors on service accounts (which the inventory does not know).
//
// Selectors (selector.go) are Calico's grammar, evaluated as Calico does:
// a policy's selector picks the workload endpoints of its namespace; a
// rule's selector picks endpoints of the policy's namespace, with a
// namespaceSelector those of the selected namespaces, through the labels
// endpoints inherit from their namespace ("pcns.", projectcalico.org/name
// being the namespace's name). The endpoints are Calico's (domain.go):
// workload endpoints with Calico's labels, host-network pods as their
// node, and host endpoints and network sets, which selectors a missing
// label satisfies also match. Nets match addresses, including those of
// endpoints with known IPs, as the model's ipBlocks do; notNets carve
// holes into them; with pod CIDRs declared, a pod whose IP is unknown may
// sit at any address inside them. Ports are numbers, "first:last" ranges
// or container port names resolved on the destination with the rule's
// protocol; a rule without protocol and ports matches every port.
//
// The Calico version (calicoapi.OptionVersion) decides what exists: tiers
// and Tier.defaultAction from 3.29, before which every policy is in the
// default tier.
//
// GlobalNetworkPolicies (global.go) are read in their own tiers, before
// and after the NetworkPolicies' tier, into the model's admin and
// baseline layers, with Allow, Deny and Pass rules in order; the
// restrictions above are those of the NetworkPolicies' tier.
//
// In explanations the translated policies appear as NetworkPolicies named
// after the Calico policies (with ".N" per disjunct of an "||" selector),
// carrying their origins annotation. Interpret takes typed objects: decode
// YAML with sigs.k8s.io/yaml's UnmarshalStrict, since a field these types
// lack (notProtocol, say) would otherwise be dropped and the rule read
// wider than it is.
package calico

import (
	"cmp"
	"errors"
	"fmt"
	"slices"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/netpolc/netpolc/emitters/calico/calicoapi"
	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/inventory"
)

// Interpret reads Calico objects into the model's normalised policies
// and the domain they are evaluated in (read): the inventory as Calico
// sees it, the host endpoints and network sets its selectors could match,
// and the pods with unknown IPs placed inside the pod CIDRs. Every
// problem is reported, joined; each error wraps enforcer.ErrInvalid or
// enforcer.ErrUnsupported.
func Interpret(objs *calicoapi.Objects, in enforcer.InterpretInput) (*enforcer.Reading, error) {
	v, err := calicoapi.ParseVersion(in.Settings.Value(calicoapi.OptionVersion, ""))
	if err == nil {
		err = calicoapi.CheckAPI(v, in.Settings.Value(calicoapi.OptionAPI, ""))
	}
	if err != nil {
		return nil, invalid("%v", err)
	}
	rd := &reader{version: v, nodeReach: slices.ContainsFunc(in.Inventory.Endpoints, func(ep inventory.Endpoint) bool { return ep.HostNetwork })}
	if objs, err = rd.enforced(objs, in.Settings.IsStaged()); err != nil {
		return nil, err
	}
	ps, err := rd.policies(objs)
	if err != nil {
		return nil, err
	}
	r := &enforcer.Reading{Policies: ps}
	return r, read(r, in, rd.peers)
}

// reader reads the objects for one Calico version, collecting the rules'
// peer selectors, which shape the views.
type reader struct {
	version calicoapi.Version
	// nodeReach: the inventory has host-network pods, which reach every
	// pod's ingress (nodeReach, hostnet.go).
	nodeReach bool
	peers     []metav1.LabelSelector
}

// policies translates the objects into the model's normalised form: the
// NetworkPolicies' tier, and the GlobalNetworkPolicies' tiers around it
// (global.go).
func (rd *reader) policies(objs *calicoapi.Objects) (enforcer.Policies, error) {
	if objs == nil {
		return enforcer.Policies{}, nil
	}
	if err := rd.checkTier(objs); err != nil {
		return enforcer.Policies{}, err
	}
	npTier := ""
	if len(objs.NetworkPolicies) > 0 {
		npTier = tierOf(&objs.NetworkPolicies[0])
	}
	nps, err := rd.namespaced(objs.NetworkPolicies)
	if err != nil {
		return enforcer.Policies{}, err
	}
	tps, err := rd.globals(objs, npTier)
	if err != nil {
		return enforcer.Policies{}, err
	}
	tiered, err := enforcer.FromTieredPolicies(tps)
	if err != nil {
		return enforcer.Policies{}, err
	}
	return enforcer.Join(nps, tiered), nil
}

// namespaced translates the NetworkPolicies of one tier.
func (rd *reader) namespaced(list []calicoapi.NetworkPolicy) (enforcer.Policies, error) {
	if len(list) == 0 {
		return enforcer.Policies{}, nil
	}
	pols := slices.Clone(list)
	slices.SortStableFunc(pols, comparePolicies)
	var (
		nps  []enforcer.SourcedNetworkPolicy
		errs []error
	)
	denied := [2]map[string]string{{}, {}} // namespace → the policy whose default deny came first
	for i := range pols {
		np, err := rd.translate(&pols[i], &denied)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		nps = append(nps, np...)
	}
	if err := errors.Join(errs...); err != nil {
		return enforcer.Policies{}, err
	}
	if rd.nodeReach {
		addNodeReach(nps)
	}
	return enforcer.FromNetworkPolicies(nps)
}

func unsupported(format string, args ...any) error {
	return fmt.Errorf("%w: %s", enforcer.ErrUnsupported, fmt.Sprintf(format, args...))
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", enforcer.ErrInvalid, fmt.Sprintf(format, args...))
}

// checkTier requires every policy in one tier whose end denies. Calico
// has tiers from 3.29 (api/pkg/apis/projectcalico/v3/tier.go, first in
// tag v3.29.0, with defaultAction); before, every policy is in the
// default tier and a Tier or a policy's tier field does not exist.
func (rd *reader) checkTier(objs *calicoapi.Objects) error {
	if !rd.version.AtLeast(calicoapi.TiersSince.Major, calicoapi.TiersSince.Minor) {
		if len(objs.Tiers) > 0 {
			return invalid("Tier %q: Calico %s has no tiers (from 3.29)", objs.Tiers[0].Name, rd.version)
		}
		for _, np := range objs.NetworkPolicies {
			if np.Spec.Tier != "" {
				return invalid("%s %s/%s: spec.tier: Calico %s has no tiers (from 3.29)", calicoapi.KindNetworkPolicy, np.Namespace, np.Name, rd.version)
			}
		}
		return nil
	}
	if len(objs.NetworkPolicies) == 0 {
		return nil
	}
	tier := tierOf(&objs.NetworkPolicies[0])
	for i := range objs.NetworkPolicies {
		if t := tierOf(&objs.NetworkPolicies[i]); t != tier {
			return unsupported("policies in tiers %q and %q: the model has one ordered tier for them", tier, t)
		}
	}
	if tier == "default" {
		return nil
	}
	for _, t := range objs.Tiers {
		if t.Name != tier {
			continue
		}
		if a := t.Spec.DefaultAction; a != "" && a != calicoapi.ActionDeny {
			return unsupported("tier %q ends with %q: only tiers that end with Deny", tier, a)
		}
		return nil
	}
	return invalid("tier %q is not defined", tier)
}

func tierOf(np *calicoapi.NetworkPolicy) string {
	if np.Spec.Tier == "" {
		return "default"
	}
	return np.Spec.Tier
}

// comparePolicies is Calico's evaluation order: order (none last), then
// name.
func comparePolicies(a, b calicoapi.NetworkPolicy) int {
	oa, ob := order(a), order(b)
	return cmp.Or(cmp.Compare(oa, ob), cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
}

func order(np calicoapi.NetworkPolicy) float64 {
	if np.Spec.Order == nil {
		return 1e300
	}
	return *np.Spec.Order
}

// policyTypes are the directions a policy applies to, with Calico's
// defaults when none are given.
func policyTypes(spec *calicoapi.PolicySpec) [2]bool {
	if len(spec.Types) == 0 {
		return [2]bool{len(spec.Ingress) > 0 || len(spec.Egress) == 0, len(spec.Egress) > 0}
	}
	var t [2]bool
	for _, x := range spec.Types {
		t[0] = t[0] || x == calicoapi.TypeIngress
		t[1] = t[1] || x == calicoapi.TypeEgress
	}
	return t
}

// translate turns one Calico policy into NetworkPolicies, one per
// disjunct of its selector. denied records, per direction, the namespaces
// where a default deny has already been evaluated.
func (rd *reader) translate(p *calicoapi.NetworkPolicy, denied *[2]map[string]string) ([]enforcer.SourcedNetworkPolicy, error) {
	fail := func(field string, err error) error {
		return fmt.Errorf("%s %s/%s: %s: %w", calicoapi.KindNetworkPolicy, p.Namespace, p.Name, field, err)
	}
	if p.Namespace == "" {
		return nil, fail("metadata.namespace", invalid("a NetworkPolicy needs a namespace"))
	}
	subjects, err := PolicySelector(p.Namespace, p.Spec.Selector)
	if err != nil {
		return nil, fail("spec.selector", err)
	}
	applies := policyTypes(&p.Spec)
	var rules [2][]networkingv1.NetworkPolicyIngressRule // egress rules reuse the shape
	for d, list := range [2][]calicoapi.Rule{p.Spec.Ingress, p.Spec.Egress} {
		if !applies[d] {
			continue
		}
		field := [2]string{"spec.ingress", "spec.egress"}[d]
		for i, r := range list {
			f := fmt.Sprintf("%s[%d]", field, i)
			stop, nr, err := rd.rule(p.Namespace, d, r)
			switch {
			case err != nil:
				return nil, fail(f, err)
			case nr != nil:
				if first, ok := denied[d][p.Namespace]; ok {
					return nil, fail(f, unsupported("an Allow rule evaluated after the default deny of %s in the same namespace", first))
				}
				rules[d] = append(rules[d], *nr)
			}
			if stop {
				break
			}
		}
	}
	for d := range 2 {
		if applies[d] && hasDenyAll(p.Spec, d) {
			if _, ok := denied[d][p.Namespace]; !ok {
				denied[d][p.Namespace] = p.Name
			}
		}
	}
	return networkPolicies(p, subjects, applies, rules), nil
}

// hasDenyAll reports whether a policy's rules in direction d hold a
// default deny.
func hasDenyAll(spec calicoapi.PolicySpec, d int) bool {
	list := spec.Ingress
	if d == 1 {
		list = spec.Egress
	}
	return slices.ContainsFunc(list, func(r calicoapi.Rule) bool { return r.Action == calicoapi.ActionDeny && matchesAll(r) })
}

func matchesAll(r calicoapi.Rule) bool {
	return r.Protocol == "" && isEmpty(r.Source) && isEmpty(r.Destination)
}

func isEmpty(e *calicoapi.EntityRule) bool {
	return e == nil || (len(e.Nets) == 0 && len(e.NotNets) == 0 && e.Selector == "" && e.NamespaceSelector == "" && len(e.Ports) == 0)
}

// rule reads one rule of direction d: an allow (nr), or a default deny
// after which the policy's later rules never match (stop).
func (rd *reader) rule(ns string, d int, r calicoapi.Rule) (stop bool, nr *networkingv1.NetworkPolicyIngressRule, err error) {
	switch r.Action {
	case calicoapi.ActionLog:
		return false, nil, nil
	case calicoapi.ActionDeny:
		if !matchesAll(r) {
			return false, nil, unsupported("a Deny rule with match criteria: the model's union of allows cannot subtract it")
		}
		return true, nil, nil
	case calicoapi.ActionAllow:
	case calicoapi.ActionPass:
		return false, nil, unsupported("Pass")
	default:
		return false, nil, invalid("unknown action %q", r.Action)
	}
	peer, local := r.Source, r.Destination
	if d == 1 {
		peer, local = r.Destination, r.Source
	}
	if local != nil && (len(local.Nets) > 0 || len(local.NotNets) > 0 || local.Selector != "" || local.NamespaceSelector != "" ||
		(d == 1 && len(local.Ports) > 0)) {
		return false, nil, unsupported("match criteria on the policy's own endpoint")
	}
	portList := peerPorts(peer)
	if d == 0 && r.Destination != nil {
		portList = r.Destination.Ports
	}
	ports, err := parsePorts(r.Protocol, portList)
	if err != nil {
		return false, nil, err
	}
	peers, all, err := rd.entityPeers(ns, peer)
	if err != nil {
		return false, nil, err
	}
	if !all && len(peers) == 0 {
		return false, nil, nil // matches nothing
	}
	return false, &networkingv1.NetworkPolicyIngressRule{From: peers, Ports: ports}, nil
}

func peerPorts(e *calicoapi.EntityRule) []intstr.IntOrString {
	if e == nil {
		return nil
	}
	return e.Ports
}

// networkPolicies renders the policy's NetworkPolicies: one per disjunct
// of its selector, isolating it in the directions the policy applies to.
func networkPolicies(p *calicoapi.NetworkPolicy, subjects []metav1.LabelSelector, applies [2]bool,
	rules [2][]networkingv1.NetworkPolicyIngressRule) []enforcer.SourcedNetworkPolicy {
	var out []enforcer.SourcedNetworkPolicy
	for i, sel := range subjects {
		var np networkingv1.NetworkPolicy
		np.Namespace, np.Name = p.Namespace, p.Name
		if len(subjects) > 1 {
			np.Name = fmt.Sprintf("%s.%d", p.Name, i)
		}
		if o, ok := p.Annotations[enforcer.OriginsAnnotation]; ok {
			np.Annotations = map[string]string{enforcer.OriginsAnnotation: o}
		}
		np.Spec.PodSelector = sel
		if applies[0] {
			np.Spec.PolicyTypes = append(np.Spec.PolicyTypes, networkingv1.PolicyTypeIngress)
			np.Spec.Ingress = rules[0]
		}
		if applies[1] {
			np.Spec.PolicyTypes = append(np.Spec.PolicyTypes, networkingv1.PolicyTypeEgress)
			for _, r := range rules[1] {
				np.Spec.Egress = append(np.Spec.Egress, networkingv1.NetworkPolicyEgressRule{To: r.From, Ports: r.Ports})
			}
		}
		out = append(out, enforcer.SourcedNetworkPolicy{NetworkPolicy: np})
	}
	return out
}

// Interpreter reads a *calicoapi.Objects.
type Interpreter struct{}

var _ enforcer.Interpreter = Interpreter{}

// Interpret reads the objects into the model's policies.
func (Interpreter) Interpret(objects any, in enforcer.InterpretInput) (*enforcer.Reading, error) {
	objs, ok := objects.(*calicoapi.Objects)
	if !ok {
		return nil, fmt.Errorf("calico interpreter: got %T, want *calicoapi.Objects", objects)
	}
	return Interpret(objs, in)
}
