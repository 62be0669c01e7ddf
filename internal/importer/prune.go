package importer

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/netpolc/netpolc/internal/inventory"
)

// namedPorts are the (name, protocol) pairs some workload of the input
// declares.
func namedPorts(inv inventory.Inventory) map[[2]string]bool {
	out := map[[2]string]bool{}
	for _, ep := range inv.Endpoints {
		for _, p := range ep.Ports {
			out[[2]string{p.Name, p.Protocol.String()}] = true
		}
	}
	return out
}

// pruneDeadPorts removes the port entries naming a port no workload of the
// input declares with that protocol (they match nothing, and the intent
// language refuses them), and the rules left with no port at all (an
// empty list would mean every port). What is left allows exactly what the
// policy allows over the input's workloads; a workload added later that
// declares the name would be reached by the original and not by the
// import, which is the narrower side. Each removal is a note.
func pruneDeadPorts(np *networkingv1.NetworkPolicy, declared map[[2]string]bool) []string {
	var notes []string
	dead := func(p networkingv1.NetworkPolicyPort) bool {
		if p.Port == nil || p.Port.Type != intstr.String {
			return false
		}
		proto := corev1.ProtocolTCP
		if p.Protocol != nil {
			proto = *p.Protocol
		}
		if declared[[2]string{p.Port.StrVal, string(proto)}] {
			return false
		}
		notes = append(notes, fmt.Sprintf("NetworkPolicy %s/%s names the %s port %q, which no workload of the input declares: it matches nothing, and is imported without it", np.Namespace, np.Name, proto, p.Port.StrVal))
		return true
	}
	keep := func(ports []networkingv1.NetworkPolicyPort) ([]networkingv1.NetworkPolicyPort, bool) {
		if len(ports) == 0 {
			return ports, true
		}
		var out []networkingv1.NetworkPolicyPort
		for _, p := range ports {
			if !dead(p) {
				out = append(out, p)
			}
		}
		return out, len(out) > 0
	}
	var ingress []networkingv1.NetworkPolicyIngressRule
	for _, r := range np.Spec.Ingress {
		if ports, ok := keep(r.Ports); ok {
			r.Ports = ports
			ingress = append(ingress, r)
		}
	}
	var egress []networkingv1.NetworkPolicyEgressRule
	for _, r := range np.Spec.Egress {
		if ports, ok := keep(r.Ports); ok {
			r.Ports = ports
			egress = append(egress, r)
		}
	}
	np.Spec.Ingress, np.Spec.Egress = ingress, egress
	return notes
}
