package enforcer

import (
	"fmt"

	"github.com/netpolc/netpolc/internal/diag"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/network-policy-api/apis/v1alpha1"

	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/portset"
)

// SourcedAdminNetworkPolicy is a v1alpha1 AdminNetworkPolicy with the place
// it was read from.
type SourcedAdminNetworkPolicy struct {
	v1alpha1.AdminNetworkPolicy
	Source diag.Pos
}

// SourcedBaselineAdminNetworkPolicy is a v1alpha1
// BaselineAdminNetworkPolicy with the place it was read from.
type SourcedBaselineAdminNetworkPolicy struct {
	v1alpha1.BaselineAdminNetworkPolicy
	Source diag.Pos
}

// FromAdminNetworkPolicies normalises v1alpha1 AdminNetworkPolicies into
// the Admin tier, ordered with Admin-tier ClusterNetworkPolicies by
// priority.
func FromAdminNetworkPolicies(anps []SourcedAdminNetworkPolicy) (Policies, error) {
	var out Policies
	var e errs
	for i := range anps {
		a := &anps[i]
		ref := PolicyRef{
			Kind: KindAdminNetworkPolicy, Name: a.Name, Layer: LayerAdmin, Priority: a.Spec.Priority,
			Source: a.Source, Origin: a.Annotations[OriginsAnnotation],
		}
		if p := fromV1alpha1(ref, a.Spec.Subject, anpRules(a.Spec), &e); p != nil {
			out.list = append(out.list, p)
		}
	}
	return out, e.err()
}

// FromBaselineAdminNetworkPolicies normalises v1alpha1
// BaselineAdminNetworkPolicies into the Baseline tier, after every
// Baseline-tier ClusterNetworkPolicy.
func FromBaselineAdminNetworkPolicies(banps []SourcedBaselineAdminNetworkPolicy) (Policies, error) {
	var out Policies
	var e errs
	for i := range banps {
		b := &banps[i]
		ref := PolicyRef{
			Kind: KindBaselineAdminNetworkPolicy, Name: b.Name, Layer: LayerBaseline, Priority: banpPriority,
			Source: b.Source, Origin: b.Annotations[OriginsAnnotation],
		}
		if p := fromV1alpha1(ref, b.Spec.Subject, banpRules(b.Spec), &e); p != nil {
			out.list = append(out.list, p)
		}
	}
	return out, e.err()
}

// v1alpha1Rule is the common shape of ANP and BANP rules.
type v1alpha1Rule struct {
	name   string
	action string
	peers  []adminPeerFields
	ports  *[]v1alpha1.AdminNetworkPolicyPort
}

func anpRules(s v1alpha1.AdminNetworkPolicySpec) (rules [2][]v1alpha1Rule) {
	for _, r := range s.Ingress {
		rules[dIngress] = append(rules[dIngress], v1alpha1Rule{r.Name, string(r.Action), ingressPeers1(r.From), r.Ports})
	}
	for _, r := range s.Egress {
		peers := make([]adminPeerFields, len(r.To))
		for j, t := range r.To {
			peers[j] = egressPeer1(t.Namespaces, t.Pods, t.Nodes, t.Networks, t.DomainNames)
		}
		rules[dEgress] = append(rules[dEgress], v1alpha1Rule{r.Name, string(r.Action), peers, r.Ports})
	}
	return rules
}

func banpRules(s v1alpha1.BaselineAdminNetworkPolicySpec) (rules [2][]v1alpha1Rule) {
	for _, r := range s.Ingress {
		rules[dIngress] = append(rules[dIngress], v1alpha1Rule{r.Name, string(r.Action), ingressPeers1(r.From), r.Ports})
	}
	for _, r := range s.Egress {
		peers := make([]adminPeerFields, len(r.To))
		for j, t := range r.To {
			peers[j] = egressPeer1(t.Namespaces, t.Pods, t.Nodes, t.Networks, nil)
		}
		rules[dEgress] = append(rules[dEgress], v1alpha1Rule{r.Name, string(r.Action), peers, r.Ports})
	}
	return rules
}

func ingressPeers1(from []v1alpha1.AdminNetworkPolicyIngressPeer) []adminPeerFields {
	peers := make([]adminPeerFields, len(from))
	for j, f := range from {
		peers[j].namespaces = f.Namespaces
		peers[j].pods, peers[j].podNamespaces = podsOf1(f.Pods)
	}
	return peers
}

func egressPeer1(ns *metav1.LabelSelector, pods *v1alpha1.NamespacedPod, nodes *metav1.LabelSelector,
	networks []v1alpha1.CIDR, domainNames []v1alpha1.DomainName) adminPeerFields {
	f := adminPeerFields{namespaces: ns, nodes: nodes}
	for _, n := range domainNames {
		f.domainNames = append(f.domainNames, string(n))
	}
	f.pods, f.podNamespaces = podsOf1(pods)
	for _, n := range networks {
		f.networks = append(f.networks, string(n))
	}
	return f
}

func podsOf1(p *v1alpha1.NamespacedPod) (pods, namespaces *metav1.LabelSelector) {
	if p == nil {
		return nil, nil
	}
	return &p.PodSelector, &p.NamespaceSelector
}

func fromV1alpha1(ref PolicyRef, subj v1alpha1.AdminNetworkPolicySubject, rules [2][]v1alpha1Rule, e *errs) *policy {
	pods, podNS := podsOf1(subj.Pods)
	subject, err := adminSubject(subj.Namespaces, pods, podNS)
	if err != nil {
		e.add(ref, "spec.subject", err)
		return nil
	}
	p := &policy{ref: ref, subject: subject}
	for _, d := range []dir{dIngress, dEgress} {
		for i, r := range rules[d] {
			field := fmt.Sprintf("spec.%s[%d]", lowerDir(d.ir()), i)
			rr := RuleRef{Policy: ref, Direction: d.ir(), Index: i, Name: r.name, Origin: ref.Origin}
			rr.Action = v1alpha1Action(ref, r.action, field, e)
			peerField := field + ".from"
			if d == dEgress {
				peerField = field + ".to"
			}
			p.rules[d] = append(p.rules[d], adminRule(rr, r.peers, v1alpha1Ports(ref, field, r.ports, e), peerField, e))
		}
	}
	return p
}

func v1alpha1Action(ref PolicyRef, a, field string, e *errs) ir.Action {
	switch {
	case a == string(v1alpha1.AdminNetworkPolicyRuleActionAllow):
		return ir.Allow
	case a == string(v1alpha1.AdminNetworkPolicyRuleActionDeny):
		return ir.Deny
	case a == string(v1alpha1.AdminNetworkPolicyRuleActionPass) && ref.Kind == KindAdminNetworkPolicy:
		return ir.Pass
	}
	// An unknown action fails closed.
	e.addf(ref, field+".action", "unknown action %q", a)
	return ir.Deny
}

// v1alpha1Ports normalises an ANP/BANP ports list; an absent list means
// every port and protocol. An empty one is invalid (the CRD's MinItems=1):
// read as every port it would be wider than the API allows, so it fails.
func v1alpha1Ports(ref PolicyRef, field string, ports *[]v1alpha1.AdminNetworkPolicyPort, e *errs) portSpec {
	if ports == nil {
		return allPorts()
	}
	if len(*ports) == 0 {
		e.addf(ref, field+".ports", "ports: [] is invalid (the CRD requires at least one entry); omit ports for every port")
		return portSpec{}
	}
	var spec portSpec
	for i, p := range *ports {
		f := fmt.Sprintf("%s.ports[%d]", field, i)
		switch {
		case p.PortNumber != nil:
			proto, err := protocolOf(p.PortNumber.Protocol)
			if err != nil || !validRange(p.PortNumber.Port, p.PortNumber.Port) {
				e.addf(ref, f+".portNumber", "bad port %s/%d", p.PortNumber.Protocol, p.PortNumber.Port)
				continue
			}
			spec.fixed = spec.fixed.Union(portset.Port(proto, p.PortNumber.Port))
		case p.PortRange != nil:
			proto, err := protocolOf(p.PortRange.Protocol)
			if err != nil || !validRange(p.PortRange.Start, p.PortRange.End) {
				e.addf(ref, f+".portRange", "bad port range %s/%d-%d", p.PortRange.Protocol, p.PortRange.Start, p.PortRange.End)
				continue
			}
			spec.fixed = spec.fixed.Union(portset.PortRange(proto, p.PortRange.Start, p.PortRange.End))
		case p.NamedPort != nil:
			spec.named = append(spec.named, namedRef{name: *p.NamedPort, anyProto: true})
		default:
			e.addf(ref, f, "port entry sets no field")
		}
	}
	return spec
}
