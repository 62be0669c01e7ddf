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
// Cilium differs from NetworkPolicy as netpolc models it (ARCHITECTURE.md §3) in
// two places, which the emitter checks against the IR's declared workloads
// and the build's inventory (kit.Cluster), and refuses (errUnsupported)
// rather than widen or silently narrow:
//
//   - CIDR and world rules never match cluster endpoints, while an ipBlock
//     also matches a pod whose IP is known: a declared pod IP inside a CIDR
//     or world peer is an error;
//   - egress named ports: Cilium before 1.20 resolves an egress port name
//     to one number across the whole cluster (and ignores the rule when
//     pods disagree), so an egress named port is accepted only when every
//     declared workload with that name agrees on number and protocol and
//     every destination the rule selects declares it.
//
// With Options.AllowApproximate the emitter instead emits the narrower
// rule (the CIDR without the pods; the rule without the named port) and
// reports one kit.Warning per rule it narrowed.
//
// The platform layer becomes CiliumClusterwideNetworkPolicies where
// Cilium's deny precedence gives the tiers' verdicts (platform.go,
// baseline.go); the rest of it is refused, never narrowed.
package cilium

import (
	"maps"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netpolc/netpolc/emitters/cilium/ciliumapi"
	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
)

// errUnsupported marks an IR element Cilium cannot express exactly; it
// wraps kit.errUnsupported.
var errUnsupported = kit.Unsupported("cannot be expressed exactly as a CiliumNetworkPolicy")

// Options tune Build.
type Options struct {
	// Inventory is the workloads the output is proven over (their pod
	// IPs and named ports count in the checks), besides the IR's own.
	Inventory inventory.Inventory
	// AllowApproximate emits the nearest narrower rule where Cilium cannot
	// express a rule exactly, with a kit.Warning, instead of failing.
	AllowApproximate bool
	// EgressNamedPortsPerDestination declares that the target Cilium
	// resolves egress named ports per destination identity, as NetworkPolicy
	// does (cilium/cilium#44429 and #45601); the emitter then skips its
	// egress named-port checks.
	EgressNamedPortsPerDestination bool
	// Version is the cluster's Cilium release (zero: ciliumapi.DefaultVersion).
	Version ciliumapi.Version
	// Labels is the cluster's identity label filter (nil: the default
	// filter of ciliumapi.DefaultVersion).
	Labels *ciliumapi.LabelFilter
	// uncheckedOrder emits the admin tier without the order check
	// (tiers.go), for the test that every refusal of it is justified.
	uncheckedOrder bool
}

// policy collects everything that goes into one CiliumNetworkPolicy.
type policy struct {
	subject  ir.Subject // Pods in canonical form
	isolated [2]bool    // by kit.DirIndex
	from     kit.Origins
	groups   [2]map[string]*group // by canonical port set
	fqdn     []int                // indices of the egress FQDN rules, which need DNS visibility
	dns      *ciliumapi.EgressRule
}

// isolatedIn reports whether the policy isolates in direction d.
func (p *policy) isolatedIn(d int) bool { return p.isolated[d] }

// group is the peers allowed on one port set.
type group struct {
	ports     []ciliumapi.PortProtocol
	all       bool
	endpoints map[string]metav1.LabelSelector
	entities  map[string]bool
	cidrs     map[string]ciliumapi.CIDRRule
	fqdns     map[string]ciliumapi.FQDNSelector
}

// builder accumulates policies, narrowings and every error found.
type builder struct {
	opts  Options
	cl    *kit.Cluster
	dns   ir.Peer
	rules []ir.Rule
	// podCIDRs are the declared pod networks.
	podCIDRs []string
	pols     map[string]*policy
	errs     *kit.Errors
	// narrowed lists, per rule index, what approximation dropped from
	// that rule; each rule with any gets one warning.
	narrowed map[int][]string
	// exact is set while the platform layer is built: approximation
	// refuses instead of narrowing.
	exact bool
}

// Build compiles p into CiliumNetworkPolicies, one per subject namespace
// and pod selector, sorted by namespace and name, with one warning per
// rule approximation narrowed (sorted by origin). Every error found is
// returned as one diag.List, each at the position of the intent that
// caused it; on error no policy is returned.
func Build(p *ir.Policy, opts Options) ([]ciliumapi.CiliumNetworkPolicy, []kit.Warning, error) {
	if p == nil {
		return nil, nil, nil
	}
	b := &builder{opts: opts, cl: kit.NewCluster(p, opts.Inventory), dns: p.DNS, rules: slices.Clip(p.Rules), podCIDRs: p.PodCIDRs,
		pols: map[string]*policy{}, errs: kit.NewErrors(targetName), narrowed: map[int][]string{}}
	platform := b.platform(p)
	if b.dns.Kind == "" {
		b.dns = kubeDNS
	}
	for _, iso := range p.Isolations {
		b.isolate(iso)
	}
	for i := range p.Rules {
		b.rule(i)
	}
	for _, key := range slices.Sorted(maps.Keys(b.pols)) {
		b.dnsVisibility(b.pols[key])
	}
	objs := append(b.clusterObjects(platform), b.objects()...)
	if err := b.errs.Err(); err != nil {
		return nil, nil, err
	}
	return objs, b.warnings(), nil
}

// kubeDNS is the cluster DNS when the IR names none.
var kubeDNS = ir.Peer{Kind: ir.PeerDNS,
	Namespaces: &metav1.LabelSelector{MatchLabels: map[string]string{inventory.MetadataNameLabel: "kube-system"}},
	Pods:       &metav1.LabelSelector{MatchLabels: map[string]string{"k8s-app": "kube-dns"}}}

// isolate records an isolation, creating the subject's policy.
func (b *builder) isolate(iso ir.Isolation) {
	pol, d, ok := kit.Isolated(b.errs, iso, b.policyOf)
	if !ok {
		return
	}
	pol.isolated[d] = true
	pol.from.Add(iso.Origin)
}

// policyOf returns the policy of a subject, creating it. Subjects with one
// selector share a policy named after the smallest of their names, so the
// name does not depend on the order of the IR.
func (b *builder) policyOf(s ir.Subject) (*policy, []error) {
	sel, errs := kit.SubjectSelector(s, "endpointSelector")
	if len(errs) > 0 {
		return nil, errs
	}
	if err := b.identityLabels("endpointSelector", *sel); err != nil {
		return nil, []error{err}
	}
	if err := b.hostNetworkSubject(s); err != nil {
		return nil, []error{err}
	}
	key := s.Namespace + "\x00" + kit.JSONKey(sel)
	pol := b.pols[key]
	if pol == nil {
		pol = &policy{subject: s, from: kit.Origins{}, groups: [2]map[string]*group{{}, {}}}
		b.pols[key] = pol
	}
	if s.Name < pol.subject.Name {
		pol.subject.Name = s.Name
	}
	pol.subject.Pods = *sel
	return pol, nil
}

// rule adds the allow rule b.rules[i] to its subject's policy.
func (b *builder) rule(i int) {
	r := b.rules[i]
	pol, d, what, ok := kit.Allowed(b.errs, r, errUnsupported, b.policyOf, (*policy).isolatedIn)
	if !ok {
		return
	}
	ports, key, keep, errs := b.ports(i)
	if len(errs) > 0 || !keep {
		b.errs.Fail(r.Origin, what, r.Subject, errs...)
		return
	}
	pol.from.Add(r.Origin)
	g := pol.groups[d][key]
	if g == nil {
		g = &group{ports: ports, endpoints: map[string]metav1.LabelSelector{}, entities: map[string]bool{},
			cidrs: map[string]ciliumapi.CIDRRule{}, fqdns: map[string]ciliumapi.FQDNSelector{}}
		pol.groups[d][key] = g
	}
	if errs := b.peer(i, pol, g); len(errs) > 0 {
		b.errs.Fail(r.Origin, what, r.Subject, errs...)
	}
}

// objects turns the collected policies into API objects sorted by
// namespace and name, checking that names are valid and unique.
func (b *builder) objects() []ciliumapi.CiliumNetworkPolicy {
	return kit.Claimed(kit.NewNames(b.errs), b.pols, func(pol *policy) (ciliumapi.CiliumNetworkPolicy, kit.Origins, bool) {
		// A policy made by rules without isolation is reported already.
		return pol.object(), pol.from, pol.isolated[0] || pol.isolated[1]
	})
}

// object renders one policy.
func (pol *policy) object() ciliumapi.CiliumNetworkPolicy {
	obj := ciliumapi.CiliumNetworkPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: ciliumapi.APIVersion, Kind: ciliumapi.Kind},
		ObjectMeta: kit.ObjectMeta(pol.subject.Namespace, pol.subject.Namespace+"-"+pol.subject.Name, pol.from),
		Spec:       ciliumapi.Rule{EndpointSelector: pol.subject.Pods},
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
		out = append(out, ciliumapi.IngressRule{FromEndpoints: kit.SortedValues(g.endpoints), ToPorts: ports})
	}
	if len(g.entities) > 0 {
		out = append(out, ciliumapi.IngressRule{FromEntities: slices.Sorted(maps.Keys(g.entities)), ToPorts: ports})
	}
	if len(g.cidrs) > 0 {
		out = append(out, ciliumapi.IngressRule{FromCIDRSet: kit.SortedValues(g.cidrs), ToPorts: ports})
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
		out = append(out, ciliumapi.EgressRule{ToEndpoints: kit.SortedValues(g.endpoints), ToPorts: ports})
	}
	if len(g.entities) > 0 {
		out = append(out, ciliumapi.EgressRule{ToEntities: slices.Sorted(maps.Keys(g.entities)), ToPorts: ports})
	}
	if len(g.cidrs) > 0 {
		out = append(out, ciliumapi.EgressRule{ToCIDRSet: kit.SortedValues(g.cidrs), ToPorts: ports})
	}
	if len(g.fqdns) > 0 {
		out = append(out, ciliumapi.EgressRule{ToFQDNs: kit.SortedValues(g.fqdns), ToPorts: ports})
	}
	return out
}
