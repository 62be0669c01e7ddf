// Package cilium interprets CiliumNetworkPolicies (cilium.io/v2) with
// Cilium's documented semantics, by translating them into the evaluation
// model's normalised policies, so that the emitted Cilium rule set can be
// checked against the NetworkPolicy target over an inventory.
//
// Semantics (Cilium's default enforcement mode; docs.cilium.io "Policy
// Enforcement Modes", "Layer 3 Policies", "Layer 4 Policies"):
//
//   - A policy with an ingress (egress) section puts the endpoints it
//     selects into default deny for that direction; the rules of all
//     policies selecting an endpoint are a union of allows. This is the
//     NetworkPolicy tier of the model: each policy becomes a NetworkPolicy
//     with the same name, namespace and origins annotation.
//   - A rule's from/to fields are alternatives; each rule has at most one.
//     A rule with no peer field and toPorts allows every peer on those
//     ports; a rule with neither allows nothing.
//   - fromEndpoints/toEndpoints selectors are limited to the policy's
//     namespace unless they name k8s:io.kubernetes.pod.namespace or a
//     namespace label (io.cilium.k8s.namespace.labels.<key>).
//   - Entities: "all" is everything; "cluster" every endpoint; "world"
//     (and world-ipv4, world-ipv6) every address outside the cluster;
//     host, remote-node and the other reserved entities match nothing the
//     inventory holds.
//   - CIDR rules (and "world") match addresses outside the cluster only,
//     never a cluster endpoint, whatever its IP. The model's ipBlocks also
//     match endpoints with known IPs, so external-only peers are encoded
//     with the admin tier: on egress, a ClusterNetworkPolicy passes every
//     endpoint to the NetworkPolicy tier before accepting the CIDR's
//     networks; on ingress (where the admin API has no networks), the CIDR
//     stays an ipBlock of the NetworkPolicy tier while admin policies pass
//     the endpoints the policies' endpoint rules allow and deny every other
//     endpoint. One approximation remains there: the admin API's named
//     ports match any protocol, so for a source endpoint whose IP lies in an
//     ingress CIDR, a named port of an endpoint rule can pass a protocol the
//     rule did not name.
//   - Ports: a number ("0" is every port), endPort, or a container port
//     name resolved on the destination with the rule's protocol; protocol
//     ANY or empty is TCP, UDP and SCTP. Layer-7 DNS rules do not change
//     layer-4 connectivity.
//   - toFQDNs: DNS-name endpoints, effective only for names a DNS rule of
//     the policy makes visible to Cilium's DNS proxy (fqdn.go).
//
// Constructs the model cannot evaluate are ErrUnsupported: toFQDNs
// patterns other than a name, "*." and "**.", deny sections and enableDefaultDeny false outside
// clusterwide policies, other layer-7 rules, isolating
// CiliumClusterwideNetworkPolicies (clusterwide.go), reserved or service-account labels.
//
// In explanations the translated policies appear as NetworkPolicies named
// after the Cilium policies (the model has no Cilium kind), and the admin
// policies of the CIDR encoding as ClusterNetworkPolicies named
// "cilium-<role>.<namespace>.<name>"; all carry the origins annotation.
//
// Interpret takes typed objects: decode YAML with sigs.k8s.io/yaml's
// UnmarshalStrict, since a field these types lack (toServices, say) would
// otherwise be dropped and the rule read wider than it is.
package cilium

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netpolc/netpolc/emitters/cilium/ciliumapi"
	"github.com/netpolc/netpolc/enforcer"
)

// interpret translates Cilium policies into the model's normalised form.
// Every problem is reported, joined; each error wraps enforcer.ErrInvalid
// or enforcer.ErrUnsupported.
func interpret(pols []ciliumapi.CiliumNetworkPolicy) (enforcer.Policies, error) {
	return Config{}.Interpret(pols)
}

// Interpret translates Cilium policies as a cluster configured with c
// reads them.
func (c Config) Interpret(pols []ciliumapi.CiliumNetworkPolicy) (enforcer.Policies, error) {
	var (
		nps   []enforcer.SourcedNetworkPolicy
		cnps  []enforcer.SourcedClusterNetworkPolicy
		fqdns []enforcer.FQDNEgress
		errs  []error
	)
	ingressExternal := false
	var parsed []*parsedPolicy
	for i := range pols {
		pp, err := c.parse(&pols[i])
		if err != nil {
			errs = append(errs, err)
			continue
		}
		parsed = append(parsed, pp)
		ingressExternal = ingressExternal || pp.hasExternal(0)
	}
	for _, pp := range parsed {
		if pp.clusterwide && (pp.present[0] || pp.present[1]) {
			if c.namespaces == nil {
				errs = append(errs, policyError(pp.src, "spec", unsupported("an isolating %s read without the inventory's namespaces", ciliumapi.KindClusterwide)))
			}
			for _, np := range pp.isolations(c.namespaces) {
				nps = append(nps, enforcer.SourcedNetworkPolicy{NetworkPolicy: np})
			}
			continue
		}
		if pp.clusterwide {
			cnps = append(cnps, pp.clusterwideAdmin()...)
			continue
		}
		nps = append(nps, enforcer.SourcedNetworkPolicy{NetworkPolicy: pp.networkPolicy()})
		cnps = append(cnps, pp.egressExternal()...)
		fqdns = append(fqdns, pp.fqdnRules()...)
		if ingressExternal {
			cnps = append(cnps, pp.ingressGuards()...)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return enforcer.Policies{}, err
	}
	np, err := enforcer.FromNetworkPolicies(nps)
	if err != nil {
		return enforcer.Policies{}, err
	}
	admin, err := enforcer.FromClusterNetworkPolicies(cnps)
	if err != nil {
		return enforcer.Policies{}, err
	}
	names, err := enforcer.FromFQDNEgress(fqdns)
	if err != nil {
		return enforcer.Policies{}, err
	}
	return enforcer.Join(np, admin, names), nil
}

// policyError is a problem with one field of one Cilium policy.
func policyError(pol *ciliumapi.CiliumNetworkPolicy, field string, err error) error {
	return fmt.Errorf("%s %s/%s: %s: %w", ciliumapi.Kind, pol.Namespace, pol.Name, field, err)
}

func unsupported(format string, args ...any) error {
	return fmt.Errorf("%w: %s", enforcer.ErrUnsupported, fmt.Sprintf(format, args...))
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", enforcer.ErrInvalid, fmt.Sprintf(format, args...))
}

// parsedPolicy is one Cilium policy read into its parts.
type parsedPolicy struct {
	src     *ciliumapi.CiliumNetworkPolicy
	subject metav1.LabelSelector // pod labels, in the policy's namespace
	present [2]bool              // ingress, egress sections
	rules   [2][]parsedRule
	// clusterwide policies (clusterwide.go) select pods of the namespaces
	// nsSubject selects (none: no pod), never isolate, and have deny
	// rules.
	clusterwide bool
	nsSubject   metav1.LabelSelector
	none        bool
	deny        [2][]parsedRule
}

// parsedRule is one rule: its peers by kind and its ports.
type parsedRule struct {
	all      bool                             // every peer (entity all, or ports without peers)
	pods     []networkingv1.NetworkPolicyPeer // endpoint selectors, entities cluster and reserved
	external [][]ciliumapi.CIDRRule           // external-only blocks: CIDRs, world
	nodes    map[string]bool                  // reserved nodes selected
	fqdns    []string                         // toFQDNs names, in the model's syntax
	ports    portSpec
}

// parse reads a policy, checking that the model can evaluate it.
func (c Config) parse(pol *ciliumapi.CiliumNetworkPolicy) (*parsedPolicy, error) {
	spec := &pol.Spec
	var errs []error
	add := func(field string, err error) { errs = append(errs, policyError(pol, field, err)) }
	if pol.Namespace == "" {
		return c.parseClusterwide(pol)
	}
	if len(spec.IngressDeny) > 0 || len(spec.EgressDeny) > 0 {
		add("spec", unsupported("ingressDeny/egressDeny sections"))
	}
	if dd := spec.EnableDefaultDeny; dd != nil && ((dd.Ingress != nil && !*dd.Ingress) || (dd.Egress != nil && !*dd.Egress)) {
		add("spec.enableDefaultDeny", unsupported("disabling default deny"))
	}
	subject, err := c.subjectSelector(spec.EndpointSelector)
	if err != nil {
		add("spec.endpointSelector", err)
	}
	pp := &parsedPolicy{src: pol, subject: subject}
	pp.present = [2]bool{len(spec.Ingress) > 0, len(spec.Egress) > 0}
	for i, r := range spec.Ingress {
		pr, err := c.parseRule(pol.Namespace, peerFields{r.FromEndpoints, r.FromEntities, r.FromCIDR, r.FromCIDRSet, nil}, r.ToPorts)
		if err != nil {
			add(fmt.Sprintf("spec.ingress[%d]", i), err)
		}
		pp.rules[0] = append(pp.rules[0], pr)
	}
	for i, r := range spec.Egress {
		toPorts, none := c.resolveEgress(r.ToPorts)
		if none {
			pp.rules[1] = append(pp.rules[1], parsedRule{nodes: map[string]bool{}})
			continue // every port name left out: the rule allows nothing
		}
		r.ToPorts = toPorts
		pr, err := c.parseRule(pol.Namespace, peerFields{r.ToEndpoints, r.ToEntities, r.ToCIDR, r.ToCIDRSet, r.ToFQDNs}, r.ToPorts)
		if err != nil {
			add(fmt.Sprintf("spec.egress[%d]", i), err)
		}
		pp.rules[1] = append(pp.rules[1], pr)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return pp, nil
}

// peerFields are the peer fields of an ingress or egress rule.
type peerFields struct {
	endpoints []metav1.LabelSelector
	entities  []string
	cidr      []string
	cidrSet   []ciliumapi.CIDRRule
	fqdns     []ciliumapi.FQDNSelector
}

// parseRule reads one rule of a policy in namespace ns.
func (c Config) parseRule(ns string, f peerFields, toPorts []ciliumapi.PortRule) (parsedRule, error) {
	pr := parsedRule{nodes: map[string]bool{}}
	ports, err := parsePorts(toPorts)
	if err != nil {
		return pr, err
	}
	pr.ports = ports
	set := 0
	for _, n := range []int{len(f.endpoints), len(f.entities), len(f.cidr), len(f.cidrSet), len(f.fqdns)} {
		if n > 0 {
			set++
		}
	}
	switch {
	case set > 1:
		return pr, invalid("a rule may name one kind of peer (endpoints, entities, CIDRs or FQDNs)")
	case len(f.fqdns) > 0:
		names, err := fqdnNames(f.fqdns)
		if err != nil {
			return pr, fqdnError(err)
		}
		pr.fqdns = names
		return pr, nil
	case set == 0:
		pr.all = len(toPorts) > 0 // ports without peers: every peer; neither: nothing
		return pr, nil
	}
	for _, sel := range f.endpoints {
		if err := c.endpoints(&pr, complete(ns, sel)); err != nil {
			return pr, err
		}
	}
	for _, e := range f.entities {
		if err := c.entity(&pr, e); err != nil {
			return pr, err
		}
	}
	if len(pr.nodes) > 0 {
		pr.pods = append(pr.pods, reservedPeer(slices.Sorted(maps.Keys(pr.nodes))))
	}
	for _, c := range f.cidr {
		pr.external = append(pr.external, []ciliumapi.CIDRRule{{CIDR: c}})
	}
	for _, c := range f.cidrSet {
		pr.external = append(pr.external, []ciliumapi.CIDRRule{c})
	}
	return pr, nil
}

// endpoints adds the peers a completed endpoint selector selects: pods,
// reserved nodes, the world.
func (c Config) endpoints(pr *parsedRule, sel metav1.LabelSelector) error {
	peer, ok, err := c.peerOf(sel)
	if err != nil {
		return err
	}
	if ok {
		pr.pods = append(pr.pods, peer)
	}
	nodes, world := reservedMatches(sel)
	for _, n := range nodes {
		pr.nodes[n] = true
	}
	if world {
		pr.external = append(pr.external, worldBlocks)
	}
	return nil
}

// worldBlocks is every address outside the cluster.
var worldBlocks = []ciliumapi.CIDRRule{{CIDR: "0.0.0.0/0"}, {CIDR: "::/0"}}

// entity adds an entity's peers to the rule (pkg/policy/api/entity.go).
func (c Config) entity(pr *parsedRule, e string) error {
	switch e = strings.ToLower(e); e {
	case ciliumapi.EntityAll:
		pr.all = true
	case ciliumapi.EntityCluster:
		pr.pods = append(pr.pods, networkingv1.NetworkPolicyPeer{NamespaceSelector: &metav1.LabelSelector{},
			PodSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{notReserved}}})
		for _, n := range clusterNodes {
			pr.nodes[n] = true
		}
	case ciliumapi.EntityWorld:
		pr.external = append(pr.external, worldBlocks)
	case ciliumapi.EntityWorldIPv4:
		pr.external = append(pr.external, []ciliumapi.CIDRRule{{CIDR: "0.0.0.0/0"}})
	case ciliumapi.EntityWorldIPv6:
		pr.external = append(pr.external, []ciliumapi.CIDRRule{{CIDR: "::/0"}})
	case ciliumapi.EntityNone:
	case ciliumapi.EntityHost, ciliumapi.EntityRemoteNode, ciliumapi.EntityKubeAPIServer, ciliumapi.EntityInit,
		ciliumapi.EntityHealth, ciliumapi.EntityUnmanaged, ciliumapi.EntityIngress:
		nodes, _ := reservedMatches(metav1.LabelSelector{MatchLabels: map[string]string{ciliumapi.SourceReserved + ":" + e: ""}})
		for _, n := range nodes {
			pr.nodes[n] = true
		}
	default:
		return invalid("unknown entity %q", e)
	}
	return nil
}

// hasExternal reports whether the policy has external-only peers in
// direction d (0 ingress, 1 egress).
func (pp *parsedPolicy) hasExternal(d int) bool {
	for _, r := range pp.rules[d] {
		if len(r.external) > 0 {
			return true
		}
	}
	return false
}
