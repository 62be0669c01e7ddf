package manifests

import (
	"cmp"
	"maps"
	"net/netip"
	"slices"

	"github.com/netpolc/netpolc/internal/portset"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
)

// workload is a workload or Pod as read, before pods are merged into the
// workloads that own them.
type workload struct {
	inventory.Endpoint
	// Owner is the controller that created this object, if any.
	Owner *metav1.OwnerReference
	// merged is set once the workload has been folded into its owner.
	merged bool
}

func newWorkload(o *object, meta metav1.ObjectMeta) *workload {
	return &workload{
		Endpoint: inventory.Endpoint{
			Namespace: o.Namespace,
			Name:      o.Name,
			Kind:      o.Kind,
			Source:    o.source(),
		},
		Owner: controllerOf(meta.OwnerReferences),
	}
}

// controllerOf returns the controller reference, or the only owner
// reference when none is marked as the controller.
func controllerOf(refs []metav1.OwnerReference) *metav1.OwnerReference {
	for i := range refs {
		if refs[i].Controller != nil && *refs[i].Controller {
			return &refs[i]
		}
	}
	if len(refs) == 1 {
		return &refs[0]
	}
	return nil
}

func labelsOf(l map[string]string) map[string]string {
	if len(l) == 0 {
		return nil
	}
	return maps.Clone(l)
}

// namedPorts lists the named ports of the pod's containers and of its
// sidecars (init containers that keep running), sorted and de-duplicated.
// Unnamed ports cannot be referred to by a policy, so they are left out.
func namedPorts(spec *corev1.PodSpec) []ir.NamedPort {
	var ports []ir.NamedPort
	add := func(cs []corev1.Container, sidecarsOnly bool) {
		for _, c := range cs {
			if sidecarsOnly && (c.RestartPolicy == nil || *c.RestartPolicy != corev1.ContainerRestartPolicyAlways) {
				continue
			}
			for _, p := range c.Ports {
				if p.Name == "" {
					continue
				}
				proto := portset.TCP // the API's default
				if p.Protocol != "" {
					var err error
					if proto, err = portset.ParseProtocol(string(p.Protocol)); err != nil {
						continue // matches no rule's protocol
					}
				}
				ports = append(ports, ir.NamedPort{Name: p.Name, Port: p.ContainerPort, Protocol: proto})
			}
		}
	}
	add(spec.InitContainers, true)
	add(spec.Containers, false)
	return SortPorts(ports)
}

// SortPorts sorts named ports by name, number and protocol and drops
// duplicates, the order every endpoint's Ports are kept in.
func SortPorts(ports []ir.NamedPort) []ir.NamedPort {
	slices.SortFunc(ports, func(a, b ir.NamedPort) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Port, b.Port), cmp.Compare(a.Protocol, b.Protocol))
	})
	ports = slices.Compact(ports)
	if len(ports) == 0 {
		return nil
	}
	return ports
}

// sortAddrs sorts and de-duplicates addresses; nil when empty.
func sortAddrs(ips []netip.Addr) []netip.Addr {
	slices.SortFunc(ips, netip.Addr.Compare)
	ips = slices.Compact(ips)
	if len(ips) == 0 {
		return nil
	}
	return ips
}
