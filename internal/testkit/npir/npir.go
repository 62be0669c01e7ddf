// Package npir converts Kubernetes NetworkPolicies to the compiler's IR,
// for tests: it lets a suite written as NetworkPolicies (package
// enforcer/conformance) drive the emitters, which consume IR.
//
// The mapping follows enforcer.FromNetworkPolicies' defaulting:
//
//   - policyTypes empty: Ingress, plus Egress when egress rules exist.
//     Each effective type becomes one Isolation of the policy's subject
//     (spec.podSelector in the policy's namespace, "default" when unset);
//     rules of a direction the policy does not isolate are ignored.
//   - Each rule becomes one IR Allow rule per peer, all with the rule's
//     ports; an empty or missing from/to is one PeerAll rule.
//   - A peer with a namespaceSelector selects across namespaces (a missing
//     podSelector: every pod there); one with only a podSelector selects in
//     the policy's namespace; an ipBlock becomes a CIDR peer.
//   - Ports: the protocol defaults to TCP; a missing port is every port of
//     the protocol; endPort makes a range; no ports is every port and
//     protocol.
//
// Anything the IR cannot represent, or that the API rejects (an unknown
// policy type or protocol, an empty peer, an ipBlock combined with
// selectors, a bad range), is an error.
package npir

import (
	"errors"
	"fmt"

	"github.com/netpolc/netpolc/internal/portset"

	"github.com/netpolc/netpolc/internal/diag"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
)

// FromNetworkPolicies converts nps to an IR policy. The IR declares inv's
// namespaces and endpoints as its namespaces and workloads, so that
// enforcer.InventoryFromIR gives inv back; emitters take the inventory
// separately and only use the isolations and rules.
func FromNetworkPolicies(nps []networkingv1.NetworkPolicy, inv inventory.Inventory) (*ir.Policy, error) {
	p := &ir.Policy{}
	for _, ns := range inv.Namespaces {
		p.Namespaces = append(p.Namespaces, ir.Namespace{Name: ns.Name, Labels: ns.Labels})
	}
	for _, ep := range inv.Endpoints {
		w := ir.Workload{Namespace: ep.Namespace, Name: ep.Name, Kind: ep.Kind, Labels: ep.Labels, Ports: ep.Ports}
		for _, a := range ep.IPs {
			w.IPs = append(w.IPs, a.String())
		}
		p.Workloads = append(p.Workloads, w)
	}
	var problems []error
	for i := range nps {
		if err := convert(p, &nps[i]); err != nil {
			problems = append(problems, fmt.Errorf("NetworkPolicy %s/%s: %w", nps[i].Namespace, nps[i].Name, err))
		}
	}
	if err := errors.Join(problems...); err != nil {
		return nil, err
	}
	return p, nil
}

func convert(p *ir.Policy, np *networkingv1.NetworkPolicy) error {
	ns := np.Namespace
	if ns == "" {
		ns = "default"
	}
	subject := ir.Subject{Namespace: ns, Pods: *np.Spec.PodSelector.DeepCopy(), Name: np.Name}
	origin := ir.Origin{Pos: diag.Pos{File: fmt.Sprintf("networkpolicy/%s/%s", ns, np.Name)}}
	types := np.Spec.PolicyTypes
	if len(types) == 0 {
		types = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}
		if len(np.Spec.Egress) > 0 {
			types = append(types, networkingv1.PolicyTypeEgress)
		}
	}
	var ingress, egress bool
	for _, t := range types {
		switch t {
		case networkingv1.PolicyTypeIngress:
			ingress = true
		case networkingv1.PolicyTypeEgress:
			egress = true
		default:
			return fmt.Errorf("unknown policy type %q", t)
		}
	}
	if ingress {
		p.Isolations = append(p.Isolations, ir.Isolation{Subject: subject, Direction: ir.Ingress, Origin: origin})
		for i, r := range np.Spec.Ingress {
			if err := rules(p, subject, ir.Ingress, origin, r.From, r.Ports); err != nil {
				return fmt.Errorf("spec.ingress[%d]: %w", i, err)
			}
		}
	}
	if egress {
		p.Isolations = append(p.Isolations, ir.Isolation{Subject: subject, Direction: ir.Egress, Origin: origin})
		for i, r := range np.Spec.Egress {
			if err := rules(p, subject, ir.Egress, origin, r.To, r.Ports); err != nil {
				return fmt.Errorf("spec.egress[%d]: %w", i, err)
			}
		}
	}
	return nil
}

// rules appends one IR rule per peer of a NetworkPolicy rule.
func rules(p *ir.Policy, s ir.Subject, d ir.Direction, o ir.Origin,
	peers []networkingv1.NetworkPolicyPeer, ports []networkingv1.NetworkPolicyPort) error {
	irPorts, err := convertPorts(ports)
	if err != nil {
		return err
	}
	if len(peers) == 0 {
		p.Rules = append(p.Rules, ir.Rule{Subject: s, Direction: d, Peer: ir.Peer{Kind: ir.PeerAll},
			Ports: irPorts, Action: ir.Allow, Origin: o})
		return nil
	}
	for j, pe := range peers {
		peer, err := convertPeer(pe)
		if err != nil {
			return fmt.Errorf("peer %d: %w", j, err)
		}
		p.Rules = append(p.Rules, ir.Rule{Subject: s, Direction: d, Peer: peer,
			Ports: irPorts, Action: ir.Allow, Origin: o})
	}
	return nil
}

func convertPeer(pe networkingv1.NetworkPolicyPeer) (ir.Peer, error) {
	if pe.IPBlock != nil {
		if pe.PodSelector != nil || pe.NamespaceSelector != nil {
			return ir.Peer{}, fmt.Errorf("ipBlock cannot be combined with selectors")
		}
		return ir.Peer{Kind: ir.PeerCIDR, CIDRs: []ir.IPBlock{{
			CIDR: pe.IPBlock.CIDR, Except: append([]string(nil), pe.IPBlock.Except...)}}}, nil
	}
	if pe.NamespaceSelector == nil && pe.PodSelector == nil {
		return ir.Peer{}, fmt.Errorf("peer has no podSelector, namespaceSelector or ipBlock")
	}
	return ir.Peer{Kind: ir.PeerPods, Namespaces: copySel(pe.NamespaceSelector), Pods: copySel(pe.PodSelector)}, nil
}

func copySel(s *metav1.LabelSelector) *metav1.LabelSelector {
	if s == nil {
		return nil
	}
	return s.DeepCopy()
}

func convertPorts(ports []networkingv1.NetworkPolicyPort) ([]ir.Port, error) {
	var out []ir.Port
	for i, p := range ports {
		proto := portset.TCP
		if p.Protocol != nil {
			switch *p.Protocol {
			case corev1.ProtocolTCP:
				proto = portset.TCP
			case corev1.ProtocolUDP:
				proto = portset.UDP
			case corev1.ProtocolSCTP:
				proto = portset.SCTP
			default:
				return nil, fmt.Errorf("ports[%d]: unknown protocol %q", i, *p.Protocol)
			}
		}
		port := ir.Port{Protocol: proto}
		switch {
		case p.Port == nil:
			if p.EndPort != nil {
				return nil, fmt.Errorf("ports[%d]: endPort without port", i)
			}
		case p.Port.Type == intstr.String:
			if p.EndPort != nil {
				return nil, fmt.Errorf("ports[%d]: endPort with a named port", i)
			}
			if p.Port.StrVal == "" {
				return nil, fmt.Errorf("ports[%d]: empty port name", i)
			}
			port.Name = p.Port.StrVal
		default:
			first, last := p.Port.IntVal, p.Port.IntVal
			if p.EndPort != nil {
				last = *p.EndPort
				port.End = last
			}
			if first < 1 || last > 65535 || first > last {
				return nil, fmt.Errorf("ports[%d]: bad port range %d-%d", i, first, last)
			}
			port.Number = first
		}
		out = append(out, port)
	}
	return out, nil
}
