package importer

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/network-policy-api/apis/v1alpha1"

	"github.com/netpolc/netpolc/internal/manifests"
)

func fromANP(p manifests.AdminNetworkPolicy) adminObj {
	o := adminObj{kind: "AdminNetworkPolicy", name: p.Name, src: p.Source, priority: p.Spec.Priority, tier: "admin",
		subjectNS: p.Spec.Subject.Namespaces, subjectPods: pods1(p.Spec.Subject.Pods)}
	for _, r := range p.Spec.Ingress {
		o.rules[ingress] = append(o.rules[ingress], adminRule{r.Name, string(r.Action), ingressPeers1(r.From), ports1(r.Ports)})
	}
	for _, r := range p.Spec.Egress {
		peers := make([]adminPeer, len(r.To))
		for i, t := range r.To {
			peers[i] = egressPeer1(t.Namespaces, t.Pods, t.Nodes, t.Networks)
			for _, n := range t.DomainNames {
				peers[i].domainNames = append(peers[i].domainNames, string(n))
			}
		}
		o.rules[egress] = append(o.rules[egress], adminRule{r.Name, string(r.Action), peers, ports1(r.Ports)})
	}
	return o
}

func fromBANP(p manifests.BaselineAdminNetworkPolicy) adminObj {
	o := adminObj{kind: "BaselineAdminNetworkPolicy", name: p.Name, src: p.Source, tier: "baseline", banp: true,
		subjectNS: p.Spec.Subject.Namespaces, subjectPods: pods1(p.Spec.Subject.Pods)}
	for _, r := range p.Spec.Ingress {
		o.rules[ingress] = append(o.rules[ingress], adminRule{r.Name, string(r.Action), ingressPeers1(r.From), ports1(r.Ports)})
	}
	for _, r := range p.Spec.Egress {
		peers := make([]adminPeer, len(r.To))
		for i, t := range r.To {
			peers[i] = egressPeer1(t.Namespaces, t.Pods, t.Nodes, t.Networks)
		}
		o.rules[egress] = append(o.rules[egress], adminRule{r.Name, string(r.Action), peers, ports1(r.Ports)})
	}
	return o
}

func ingressPeers1(from []v1alpha1.AdminNetworkPolicyIngressPeer) []adminPeer {
	peers := make([]adminPeer, len(from))
	for i, f := range from {
		peers[i] = adminPeer{namespaces: f.Namespaces, pods: pods1(f.Pods)}
	}
	return peers
}

func egressPeer1(ns *metav1.LabelSelector, pods *v1alpha1.NamespacedPod, nodes *metav1.LabelSelector, networks []v1alpha1.CIDR) adminPeer {
	p := adminPeer{namespaces: ns, pods: pods1(pods), nodes: nodes != nil}
	for _, n := range networks {
		p.networks = append(p.networks, string(n))
	}
	return p
}
