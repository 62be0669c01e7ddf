package calico

import (
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netpolc/netpolc/enforcer"
)

// Host-network pods are their node (domain.go). Felix does not police a
// node's traffic to its own workload endpoints by their ingress policy
// (felix/rules/static.go, filterOutputChain: "We don't currently police
// host -> endpoint according to the endpoint's ingress policy", IPVS
// connections aside), so on its node a host-network pod reaches every pod
// on every port whatever the policies say. Which node a pod runs on is not
// known, so every host-network pod is read as on every pod's node (the
// widest reading): each is allowed into every pod on every port. Traffic
// from a pod to a host-network pod meets the pod's egress policy (and
// then the node's DefaultEndpointToHostAction or the other node's host
// endpoints, which the policies do not name): the reading keeps to the
// egress policy.
//
// The node's own traffic (kubelet probes) is the same, but the node is no
// endpoint of the intents; the proof does not count it.

// hostNetworkLabel marks host-network pods in the interpreter's view of
// the inventory, for the node's reach only: a Calico selector naming it
// is refused (checkKeys), so no policy of the objects can match it.
const hostNetworkLabel = "calico.netpolc.invalid/host-network"

// addNodeReach adds to every ingress policy a rule admitting the
// host-network pods on every port.
func addNodeReach(nps []enforcer.SourcedNetworkPolicy) {
	fromNodes := networkingv1.NetworkPolicyIngressRule{From: nodePeers()}
	for i := range nps {
		spec := &nps[i].Spec
		for _, t := range spec.PolicyTypes {
			if t == networkingv1.PolicyTypeIngress {
				spec.Ingress = append(spec.Ingress, fromNodes)
			}
		}
	}
}

// nodePeers match the host-network pods.
func nodePeers() []networkingv1.NetworkPolicyPeer {
	return []networkingv1.NetworkPolicyPeer{{
		NamespaceSelector: &metav1.LabelSelector{},
		PodSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
			{Key: hostNetworkLabel, Operator: metav1.LabelSelectorOpExists}}},
	}}
}
