package enforcer

import (
	"fmt"

	"github.com/netpolc/netpolc/internal/diag"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/portset"
)

// SourcedNetworkPolicy is a NetworkPolicy with the place it was read from.
// It has the shape of manifests.NetworkPolicy, so one converts to the other
// with a plain type conversion.
type SourcedNetworkPolicy struct {
	networkingv1.NetworkPolicy
	Source diag.Pos
}

// WithoutSource wraps policies that were never read from a file (emitted
// in memory), for FromNetworkPolicies.
func WithoutSource(pols []networkingv1.NetworkPolicy) []SourcedNetworkPolicy {
	out := make([]SourcedNetworkPolicy, len(pols))
	for i := range pols {
		out[i].NetworkPolicy = pols[i]
	}
	return out
}

// FromNetworkPolicies normalises NetworkPolicies. It applies the API
// defaults (policyTypes: Ingress always, Egress when egress rules exist;
// protocol TCP) and reports every invalid field, as diagnostics (internal/diag) at the policy's position.
func FromNetworkPolicies(nps []SourcedNetworkPolicy) (Policies, error) {
	var out Policies
	var e errs
	for i := range nps {
		if p := fromNetworkPolicy(&nps[i], &e); p != nil {
			out.list = append(out.list, p)
		}
	}
	return out, e.err()
}

func fromNetworkPolicy(np *SourcedNetworkPolicy, e *errs) *policy {
	ref := PolicyRef{
		Kind: KindNetworkPolicy, Namespace: np.Namespace, Name: np.Name,
		Layer: LayerNetworkPolicy, Source: np.Source, Origin: np.Annotations[OriginsAnnotation],
	}
	if ref.Namespace == "" {
		ref.Namespace = "default"
	}
	subject, err := inNamespace(ref.Namespace, &np.Spec.PodSelector)
	if err != nil {
		e.add(ref, "spec.podSelector", err)
		return nil
	}
	p := &policy{ref: ref, subject: subject}
	types := np.Spec.PolicyTypes
	if len(types) == 0 {
		types = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}
		if len(np.Spec.Egress) > 0 {
			types = append(types, networkingv1.PolicyTypeEgress)
		}
	}
	for _, t := range types {
		switch t {
		case networkingv1.PolicyTypeIngress:
			p.isolates[dIngress] = true
		case networkingv1.PolicyTypeEgress:
			p.isolates[dEgress] = true
		default:
			e.addf(ref, "spec.policyTypes", "unknown policy type %q", t)
		}
	}
	if p.isolates[dIngress] {
		for i, r := range np.Spec.Ingress {
			p.rules[dIngress] = append(p.rules[dIngress], npRule(ref, dIngress, i, r.From, r.Ports, e))
		}
	}
	if p.isolates[dEgress] {
		for i, r := range np.Spec.Egress {
			p.rules[dEgress] = append(p.rules[dEgress], npRule(ref, dEgress, i, r.To, r.Ports, e))
		}
	}
	return p
}

// npRule normalises one ingress or egress rule; peers is from or to.
func npRule(ref PolicyRef, d dir, i int, peers []networkingv1.NetworkPolicyPeer,
	ports []networkingv1.NetworkPolicyPort, e *errs) *rule {
	field := fmt.Sprintf("spec.%s[%d]", lowerDir(d.ir()), i)
	r := &rule{
		ref:   RuleRef{Policy: ref, Direction: d.ir(), Index: i, Action: ir.Allow, Origin: ref.Origin},
		ports: npPorts(ref, field, ports, e),
	}
	if len(peers) == 0 {
		r.peers = []peer{{kind: peerAll}}
		return r
	}
	peerField := field + ".from"
	if d == dEgress {
		peerField = field + ".to"
	}
	for j, pe := range peers {
		p, err := npPeer(ref.Namespace, pe)
		if err != nil {
			e.add(ref, fmt.Sprintf("%s[%d]", peerField, j), err)
			continue
		}
		r.peers = append(r.peers, p)
	}
	return r
}

// npPeer normalises one from/to element: selectors are ANDed, an absent
// namespaceSelector means the policy's namespace.
func npPeer(ns string, pe networkingv1.NetworkPolicyPeer) (peer, error) {
	if pe.IPBlock != nil {
		if pe.PodSelector != nil || pe.NamespaceSelector != nil {
			return peer{}, fmt.Errorf("ipBlock cannot be combined with selectors")
		}
		set, err := blockSet(pe.IPBlock.CIDR, pe.IPBlock.Except)
		return peer{kind: peerBlock, block: set}, err
	}
	switch {
	case pe.NamespaceSelector != nil:
		sel, err := acrossNamespaces(pe.NamespaceSelector, pe.PodSelector)
		return peer{kind: peerPods, pods: sel}, err
	case pe.PodSelector != nil:
		sel, err := inNamespace(ns, pe.PodSelector)
		return peer{kind: peerPods, pods: sel}, err
	}
	return peer{}, fmt.Errorf("peer has no podSelector, namespaceSelector or ipBlock")
}

// npPorts normalises a rule's ports; none means every port and protocol.
func npPorts(ref PolicyRef, field string, ports []networkingv1.NetworkPolicyPort, e *errs) portSpec {
	if len(ports) == 0 {
		return allPorts()
	}
	var spec portSpec
	for i, p := range ports {
		f := fmt.Sprintf("%s.ports[%d]", field, i)
		proto := portset.TCP
		if p.Protocol != nil {
			var err error
			if proto, err = portset.ParseProtocol(string(*p.Protocol)); err != nil {
				e.add(ref, f+".protocol", err)
				continue
			}
		}
		switch {
		case p.EndPort != nil && (p.Port == nil || p.Port.Type == intstr.String):
			// The API rejects it; dropping endPort would read another policy.
			e.addf(ref, f+".endPort", "endPort needs a numeric port")
		case p.Port == nil:
			spec.fixed = spec.fixed.Union(portset.AllPorts(proto))
		case p.Port.Type == intstr.String:
			spec.named = append(spec.named, namedRef{name: p.Port.StrVal, proto: proto})
		default:
			last := p.Port.IntVal
			if p.EndPort != nil {
				last = *p.EndPort
			}
			if !validRange(p.Port.IntVal, last) {
				e.addf(ref, f, "bad port range %d-%d", p.Port.IntVal, last)
				continue
			}
			spec.fixed = spec.fixed.Union(portset.PortRange(proto, p.Port.IntVal, last))
		}
	}
	return spec
}

func validRange(first, last int32) bool {
	return first >= portset.MinPort && last <= portset.MaxPort && first <= last
}

// protocolOf converts a core protocol, defaulting to TCP.
func protocolOf(p corev1.Protocol) (portset.Protocol, error) {
	if p == "" {
		return portset.TCP, nil
	}
	return portset.ParseProtocol(string(p))
}
