package importer

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/network-policy-api/apis/v1alpha1"
	"sigs.k8s.io/network-policy-api/apis/v1alpha2"

	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/manifests"
)

// The admin-API objects (ClusterNetworkPolicy v1alpha2 with its Admin and
// Baseline tiers, AdminNetworkPolicy and BaselineAdminNetworkPolicy
// v1alpha1) become `platform: admin|baseline` intents, which have the
// same meaning (README "Platform layer"; network-policy-api v0.2.0
// apis/v1alpha2/clusternetworkpolicy_types.go and apis/v1alpha1). The
// three kinds are first read into one shape, then written.

// adminObj is one admin-API object in the shape the intents share.
type adminObj struct {
	kind, name string
	src        diag.Pos
	tier       string // "admin" or "baseline"
	priority   int32
	banp       bool // a BaselineAdminNetworkPolicy: after every baseline ClusterNetworkPolicy
	// subjectNS and subjectPods: exactly one is set (pods are a
	// namespace and a pod selector).
	subjectNS   *metav1.LabelSelector
	subjectPods *[2]metav1.LabelSelector
	rules       [2][]adminRule
}

// adminRule is one rule: action, peers, ports (nil: every port).
type adminRule struct {
	name, action string
	peers        []adminPeer
	ports        *[]adminPort
}

// adminPeer is one peer with every field of every kind's peers.
type adminPeer struct {
	namespaces  *metav1.LabelSelector
	pods        *[2]metav1.LabelSelector
	nodes       bool
	networks    []string
	domainNames []string
}

// adminPort is a protocol and a number or range (0: every port of it),
// or a named port (any protocol).
type adminPort struct {
	proto      string
	start, end int32
	named      string
}

func fromCNP(p manifests.ClusterNetworkPolicy) adminObj {
	o := adminObj{kind: "ClusterNetworkPolicy", name: p.Name, src: p.Source, priority: p.Spec.Priority, tier: "admin",
		subjectNS: p.Spec.Subject.Namespaces, subjectPods: pods2(p.Spec.Subject.Pods)}
	if p.Spec.Tier == v1alpha2.BaselineTier {
		o.tier = "baseline"
	}
	for _, r := range p.Spec.Ingress {
		peers := make([]adminPeer, len(r.From))
		for i, f := range r.From {
			peers[i] = adminPeer{namespaces: f.Namespaces, pods: pods2(f.Pods)}
		}
		o.rules[ingress] = append(o.rules[ingress], adminRule{r.Name, string(r.Action), peers, protocols2(r.Protocols)})
	}
	for _, r := range p.Spec.Egress {
		peers := make([]adminPeer, len(r.To))
		for i, t := range r.To {
			peers[i] = adminPeer{namespaces: t.Namespaces, pods: pods2(t.Pods), nodes: t.Nodes != nil}
			for _, n := range t.Networks {
				peers[i].networks = append(peers[i].networks, string(n))
			}
			for _, n := range t.DomainNames {
				peers[i].domainNames = append(peers[i].domainNames, string(n))
			}
		}
		o.rules[egress] = append(o.rules[egress], adminRule{r.Name, string(r.Action), peers, protocols2(r.Protocols)})
	}
	return o
}

func pods2(p *v1alpha2.NamespacedPod) *[2]metav1.LabelSelector {
	if p == nil {
		return nil
	}
	return &[2]metav1.LabelSelector{p.NamespaceSelector, p.PodSelector}
}

func pods1(p *v1alpha1.NamespacedPod) *[2]metav1.LabelSelector {
	if p == nil {
		return nil
	}
	return &[2]metav1.LabelSelector{p.NamespaceSelector, p.PodSelector}
}

// protocols2 reads a v1alpha2 protocols list; nil is every port (an
// empty list stays empty: the writer refuses it).
func protocols2(ps []v1alpha2.ClusterNetworkPolicyProtocol) *[]adminPort {
	if ps == nil {
		return nil
	}
	out := []adminPort{}
	for _, p := range ps {
		var dp *v1alpha2.Port
		var proto string
		switch {
		case p.TCP != nil:
			proto, dp = "TCP", p.TCP.DestinationPort
		case p.UDP != nil:
			proto, dp = "UDP", p.UDP.DestinationPort
		case p.SCTP != nil:
			proto, dp = "SCTP", p.SCTP.DestinationPort
		default:
			out = append(out, adminPort{named: p.DestinationNamedPort})
			continue
		}
		ap := adminPort{proto: proto}
		switch {
		case dp == nil:
		case dp.Range != nil:
			ap.start, ap.end = dp.Range.Start, dp.Range.End
		default:
			ap.start = dp.Number
		}
		out = append(out, ap)
	}
	return &out
}

// ports1 reads a v1alpha1 ports list the same way.
func ports1(ps *[]v1alpha1.AdminNetworkPolicyPort) *[]adminPort {
	if ps == nil {
		return nil
	}
	out := []adminPort{}
	for _, p := range *ps {
		switch {
		case p.PortNumber != nil:
			out = append(out, adminPort{proto: protoOr(p.PortNumber.Protocol), start: p.PortNumber.Port})
		case p.PortRange != nil:
			out = append(out, adminPort{proto: protoOr(p.PortRange.Protocol), start: p.PortRange.Start, end: p.PortRange.End})
		case p.NamedPort != nil:
			out = append(out, adminPort{named: *p.NamedPort})
		default:
			out = append(out, adminPort{})
		}
	}
	return &out
}

func protoOr(p corev1.Protocol) string {
	if p == "" {
		return "TCP"
	}
	return string(p)
}
