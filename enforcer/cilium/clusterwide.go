package cilium

import (
	"fmt"
	"reflect"
	"slices"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/network-policy-api/apis/v1alpha2"

	"github.com/netpolc/netpolc/emitters/cilium/ciliumapi"
	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/netset"
)

// CiliumClusterwideNetworkPolicies (a policy without a namespace). The
// reading takes those that never isolate: enableDefaultDeny false in both
// directions (pkg/policy/api/rule.go: unset, it is true for each
// direction with rules, deny rules included; pkg/policy/repository.go
// synthesises the wildcard allow when no policy of an endpoint asks for
// default deny). Their semantics, in the model's admin tier:
//
//   - deny rules win over every allow of every policy (pkg/policy: deny
//     precedence): admin Deny at priority denyPriority, before everything;
//   - allow rules add to the endpoint's allows whatever isolates it, and
//     change nothing when nothing does: admin Accept at allowPriority,
//     after the denies and before the encoding of the namespaced policies'
//     external peers, which passes endpoints on;
//   - the endpointSelector selects across namespaces, and a peer selector
//     without the namespace label gets "namespace label exists"
//     (pkg/k8s/apis/cilium.io/utils/utils.go, getEndpointSelector): pods
//     only.
//
// The admin tier has no ingress address peers, so ingress CIDR, world and
// all peers are ErrUnsupported; egress CIDRs are admin networks, which also
// match endpoints with known IPs while Cilium's CIDR rules never do, so
// Read refuses a CIDR covering an inventory endpoint's IP. Isolating
// clusterwide policies, toFQDNs and layer-7 rules are ErrUnsupported.

// Admin-tier priorities of the translation, lowest first.
const (
	denyPriority         = 0
	allowPriority        = 1
	externalPriority     = 2 // egress external accepts, ingress passes
	ingressGuardPriority = 3
)

// parseClusterwide reads a CiliumClusterwideNetworkPolicy.
func (c Config) parseClusterwide(pol *ciliumapi.CiliumNetworkPolicy) (*parsedPolicy, error) {
	spec := &pol.Spec
	fail := func(field string, err error) (*parsedPolicy, error) { return nil, policyError(pol, field, err) }
	isolating := false
	if dd := spec.EnableDefaultDeny; dd == nil || dd.Ingress == nil || *dd.Ingress || dd.Egress == nil || *dd.Egress {
		if err := isolationOnly(spec); err != nil {
			return fail("spec", err)
		}
		isolating = true
	}
	p, err := c.split(spec.EndpointSelector)
	if err != nil {
		return fail("spec.endpointSelector", err)
	}
	if nodes, world := reservedMatches(spec.EndpointSelector); !p.hasNS || len(nodes) > 0 || world {
		return fail("spec.endpointSelector", unsupported("a clusterwide endpointSelector without a namespace term (it would select reserved identities)"))
	}
	pp := &parsedPolicy{src: pol, clusterwide: true, subject: p.pods, nsSubject: p.ns, none: p.none}
	if isolating {
		pp.present = [2]bool{len(spec.Ingress) > 0, len(spec.Egress) > 0}
		return pp, nil
	}
	for _, s := range clusterSections(spec) {
		for i, peers := range s.peers {
			field := fmt.Sprintf("%s[%d]", s.field, i)
			ports := s.ports[i]
			if s.d == 1 {
				var none bool
				if ports, none = c.resolveEgress(ports); none {
					continue // every port name left out: allows nothing
				}
			}
			pr, err := c.parseRule("", peers, ports)
			switch {
			case err != nil:
				return fail(field, err)
			case len(pr.fqdns) > 0:
				return fail(field, unsupported("toFQDNs in a clusterwide policy"))
			case s.d == 0 && (pr.all || len(pr.external) > 0):
				return fail(field, unsupported("ingress from addresses outside the cluster in a clusterwide policy (the model's admin tier has no ingress networks)"))
			}
			if s.deny {
				pp.deny[s.d] = append(pp.deny[s.d], pr)
			} else {
				pp.rules[s.d] = append(pp.rules[s.d], pr)
			}
		}
	}
	return pp, nil
}

// isolationOnly accepts the one isolating clusterwide policy the reading
// takes: sections of empty rules only (they allow nothing), no deny
// rules, and default deny not turned off for a direction with a section.
func isolationOnly(spec *ciliumapi.Rule) error {
	err := unsupported("a %s that puts endpoints into default deny and allows or denies anything (only an isolation, its sections of empty rules, is read)", ciliumapi.KindClusterwide)
	if len(spec.IngressDeny)+len(spec.EgressDeny) > 0 {
		return err
	}
	for _, r := range spec.Ingress {
		if !reflect.DeepEqual(r, ciliumapi.IngressRule{}) {
			return err
		}
	}
	for _, r := range spec.Egress {
		if !reflect.DeepEqual(r, ciliumapi.EgressRule{}) {
			return err
		}
	}
	if dd := spec.EnableDefaultDeny; dd != nil {
		if (dd.Ingress != nil && !*dd.Ingress && len(spec.Ingress) > 0) || (dd.Egress != nil && !*dd.Egress && len(spec.Egress) > 0) {
			return err
		}
	}
	return nil
}

// isolations expands an isolating clusterwide policy into one
// NetworkPolicy per inventory namespace its endpointSelector selects,
// isolating the selected pods and allowing nothing.
func (pp *parsedPolicy) isolations(namespaces []inventory.Namespace) []networkingv1.NetworkPolicy {
	if pp.none || !(pp.present[0] || pp.present[1]) {
		return nil
	}
	var out []networkingv1.NetworkPolicy
	for _, ns := range namespaces {
		if !matchesAll(&pp.nsSubject, ns.Labels) {
			continue
		}
		np := networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{
			Namespace: ns.Name, Name: pp.src.Name, Annotations: origins(pp.src.Annotations)}}
		np.Spec.PodSelector = pp.subject
		if pp.present[0] {
			np.Spec.PolicyTypes = append(np.Spec.PolicyTypes, networkingv1.PolicyTypeIngress)
		}
		if pp.present[1] {
			np.Spec.PolicyTypes = append(np.Spec.PolicyTypes, networkingv1.PolicyTypeEgress)
		}
		out = append(out, np)
	}
	return out
}

// clusterSection is one rule list of a clusterwide policy: its field, its
// direction (0 ingress, 1 egress), whether it denies, and per rule the
// peers and ports.
type clusterSection struct {
	field string
	d     int
	deny  bool
	peers []peerFields
	ports [][]ciliumapi.PortRule
}

// clusterSections are the four rule lists of a policy.
func clusterSections(spec *ciliumapi.Rule) []clusterSection {
	ingress := func(field string, deny bool, rules []ciliumapi.IngressRule) clusterSection {
		s := clusterSection{field: field, deny: deny}
		for _, r := range rules {
			s.peers = append(s.peers, peerFields{r.FromEndpoints, r.FromEntities, r.FromCIDR, r.FromCIDRSet, nil})
			s.ports = append(s.ports, r.ToPorts)
		}
		return s
	}
	egress := func(field string, deny bool, rules []ciliumapi.EgressRule) clusterSection {
		s := clusterSection{field: field, d: 1, deny: deny}
		for _, r := range rules {
			s.peers = append(s.peers, peerFields{r.ToEndpoints, r.ToEntities, r.ToCIDR, r.ToCIDRSet, r.ToFQDNs})
			s.ports = append(s.ports, r.ToPorts)
		}
		return s
	}
	return []clusterSection{ingress("spec.ingress", false, spec.Ingress), egress("spec.egress", false, spec.Egress),
		ingress("spec.ingressDeny", true, spec.IngressDeny), egress("spec.egressDeny", true, spec.EgressDeny)}
}

// clusterwideAdmin translates a clusterwide policy into the admin tier:
// its denies and its allows.
func (pp *parsedPolicy) clusterwideAdmin() []enforcer.SourcedClusterNetworkPolicy {
	if pp.none {
		return nil
	}
	var out []enforcer.SourcedClusterNetworkPolicy
	for _, part := range []struct {
		role     string
		priority int32
		action   v1alpha2.ClusterNetworkPolicyRuleAction
		rules    [2][]parsedRule
	}{
		{"deny", denyPriority, v1alpha2.ClusterNetworkPolicyRuleActionDeny, pp.deny},
		{"allow", allowPriority, v1alpha2.ClusterNetworkPolicyRuleActionAccept, pp.rules},
	} {
		c := pp.adminPolicy(part.role, part.priority)
		for _, r := range part.rules[0] {
			if from := ingressPeers(r); len(from) > 0 {
				c.Spec.Ingress = append(c.Spec.Ingress, v1alpha2.ClusterNetworkPolicyIngressRule{
					Name: part.role, Action: part.action, From: from, Protocols: r.ports.cnpProtocols()})
			}
		}
		for _, r := range part.rules[1] {
			if to := egressPeers(r); len(to) > 0 {
				c.Spec.Egress = append(c.Spec.Egress, v1alpha2.ClusterNetworkPolicyEgressRule{
					Name: part.role, Action: part.action, To: to, Protocols: r.ports.cnpProtocols()})
			}
		}
		if len(c.Spec.Ingress)+len(c.Spec.Egress) > 0 {
			out = append(out, c)
		}
	}
	return out
}

// podPeers are the admin pod peers of a rule; "all" is every pod and every
// reserved node.
func podPeers(r parsedRule) []*v1alpha2.NamespacedPod {
	pods := r.pods
	if r.all {
		pods = []networkingv1.NetworkPolicyPeer{reservedPeer(clusterNodes),
			{NamespaceSelector: &metav1.LabelSelector{}, PodSelector: &metav1.LabelSelector{}}}
	}
	out := make([]*v1alpha2.NamespacedPod, 0, len(pods))
	for _, p := range pods {
		np := &v1alpha2.NamespacedPod{}
		if p.NamespaceSelector != nil {
			np.NamespaceSelector = *p.NamespaceSelector
		}
		if p.PodSelector != nil {
			np.PodSelector = *p.PodSelector
		}
		out = append(out, np)
	}
	return out
}

func ingressPeers(r parsedRule) []v1alpha2.ClusterNetworkPolicyIngressPeer {
	var out []v1alpha2.ClusterNetworkPolicyIngressPeer
	for _, p := range podPeers(r) {
		out = append(out, v1alpha2.ClusterNetworkPolicyIngressPeer{Pods: p})
	}
	return out
}

func egressPeers(r parsedRule) []v1alpha2.ClusterNetworkPolicyEgressPeer {
	var out []v1alpha2.ClusterNetworkPolicyEgressPeer
	for _, p := range podPeers(r) {
		out = append(out, v1alpha2.ClusterNetworkPolicyEgressPeer{Pods: p})
	}
	ext := r.external
	if r.all {
		ext = [][]ciliumapi.CIDRRule{worldBlocks}
	}
	var nets []v1alpha2.CIDR
	for _, blocks := range ext {
		for _, b := range blocks {
			for _, p := range prefixes(b.CIDR, b.Except) {
				nets = append(nets, v1alpha2.CIDR(p.String()))
			}
		}
	}
	if len(nets) > 0 {
		out = append(out, v1alpha2.ClusterNetworkPolicyEgressPeer{Networks: nets})
	}
	return out
}

// clusterwideSubject selects a clusterwide policy's pods.
func (pp *parsedPolicy) clusterwideSubject() v1alpha2.ClusterNetworkPolicySubject {
	return v1alpha2.ClusterNetworkPolicySubject{Pods: &v1alpha2.NamespacedPod{NamespaceSelector: pp.nsSubject, PodSelector: pp.subject}}
}

// externalOverlap refuses a clusterwide egress CIDR (or world) rule
// covering an IP of an inventory endpoint Cilium sees as a pod: Cilium's
// rule does not match it, the model's network would.
func externalOverlap(pols []ciliumapi.CiliumNetworkPolicy, inv inventory.Inventory) error {
	for i := range pols {
		pol := &pols[i]
		if pol.Namespace != "" {
			continue
		}
		rules := slices.Clone(pol.Spec.Egress)
		rules = append(rules, pol.Spec.EgressDeny...)
		for _, r := range rules {
			blocks := slices.Clone(r.ToCIDRSet)
			for _, c := range r.ToCIDR {
				blocks = append(blocks, ciliumapi.CIDRRule{CIDR: c})
			}
			for _, e := range r.ToEntities {
				switch e {
				case ciliumapi.EntityWorld, ciliumapi.EntityWorldIPv4, ciliumapi.EntityWorldIPv6:
					blocks = append(blocks, worldBlocks...)
				}
			}
			if err := coversEndpoint(blocks, inv); err != nil {
				return policyError(pol, "spec.egress", err)
			}
		}
	}
	return nil
}

// coversEndpoint reports the first pod IP inside blocks.
func coversEndpoint(blocks []ciliumapi.CIDRRule, inv inventory.Inventory) error {
	for _, b := range blocks {
		set, err := netset.Block(b.CIDR, b.Except)
		if err != nil {
			return invalid("cidr %q: %v", b.CIDR, err)
		}
		for _, ep := range inv.Endpoints {
			if ep.HostNetwork {
				continue
			}
			for _, ip := range ep.IPs {
				if set.Contains(ip) {
					return unsupported("cidr %s contains %s, the IP of %s/%s: a Cilium CIDR rule never matches a cluster endpoint, the model's network would", b.CIDR, ip, ep.Namespace, ep.Name)
				}
			}
		}
	}
	return nil
}
