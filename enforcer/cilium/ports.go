package cilium

import (
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/network-policy-api/apis/v1alpha2"

	"github.com/netpolc/netpolc/emitters/cilium/ciliumapi"
)

// portSpec is a rule's ports in the two forms the translation needs.
type portSpec struct {
	all bool
	np  []networkingv1.NetworkPolicyPort
	cnp []v1alpha2.ClusterNetworkPolicyProtocol
}

var transportProtocols = []corev1.Protocol{corev1.ProtocolTCP, corev1.ProtocolUDP, corev1.ProtocolSCTP}

// parsePorts reads toPorts: none, or a port rule without ports, is every
// port and protocol.
func parsePorts(rules []ciliumapi.PortRule) (portSpec, error) {
	if len(rules) == 0 {
		return portSpec{all: true}, nil
	}
	var spec portSpec
	for _, pr := range rules {
		if len(pr.Ports) == 0 {
			return portSpec{all: true}, nil
		}
		for _, p := range pr.Ports {
			if err := spec.add(p); err != nil {
				return portSpec{}, err
			}
		}
	}
	return spec, nil
}

// add reads one port: a number ("0" is every port), with endPort a range,
// or a container port name.
func (s *portSpec) add(p ciliumapi.PortProtocol) error {
	protos := transportProtocols
	switch strings.ToUpper(p.Protocol) {
	case "", "ANY":
	case "TCP", "UDP", "SCTP":
		protos = []corev1.Protocol{corev1.Protocol(strings.ToUpper(p.Protocol))}
	default:
		return unsupported("protocol %q (the model knows TCP, UDP and SCTP)", p.Protocol)
	}
	n, err := strconv.Atoi(p.Port)
	if err != nil {
		if msgs := validation.IsValidPortName(p.Port); len(msgs) > 0 {
			return invalid("port %q: %s", p.Port, strings.Join(msgs, "; "))
		}
		if len(protos) != 1 {
			return unsupported("named port %q with protocol %q: it takes the container port's protocol", p.Port, p.Protocol)
		}
		name := intstr.FromString(p.Port)
		s.np = append(s.np, networkingv1.NetworkPolicyPort{Protocol: &protos[0], Port: &name})
		s.cnp = append(s.cnp, v1alpha2.ClusterNetworkPolicyProtocol{DestinationNamedPort: p.Port})
		return nil
	}
	end := max(int(p.EndPort), n)
	if n < 0 || end > 65535 {
		return invalid("port %d-%d out of range", n, end)
	}
	for _, proto := range protos {
		s.addRange(proto, int32(n), int32(end))
	}
	return nil
}

// addRange adds first..last of proto; first 0 is every port.
func (s *portSpec) addRange(proto corev1.Protocol, first, last int32) {
	np := networkingv1.NetworkPolicyPort{Protocol: &proto}
	var dst *v1alpha2.Port
	switch {
	case first == 0:
	case first == last:
		v := intstr.FromInt32(first)
		np.Port, dst = &v, &v1alpha2.Port{Number: first}
	default:
		v, end := intstr.FromInt32(first), last
		np.Port, np.EndPort = &v, &end
		dst = &v1alpha2.Port{Range: &v1alpha2.PortRange{Start: first, End: last}}
	}
	s.np = append(s.np, np)
	var c v1alpha2.ClusterNetworkPolicyProtocol
	switch proto {
	case corev1.ProtocolTCP:
		c.TCP = &v1alpha2.ClusterNetworkPolicyProtocolTCP{DestinationPort: dst}
	case corev1.ProtocolUDP:
		c.UDP = &v1alpha2.ClusterNetworkPolicyProtocolUDP{DestinationPort: dst}
	default:
		c.SCTP = &v1alpha2.ClusterNetworkPolicyProtocolSCTP{DestinationPort: dst}
	}
	s.cnp = append(s.cnp, c)
}

// npPorts is the NetworkPolicy form: nil for every port.
func (s portSpec) npPorts() []networkingv1.NetworkPolicyPort {
	if s.all {
		return nil
	}
	return s.np
}

// cnpProtocols is the ClusterNetworkPolicy form: nil for every port.
func (s portSpec) cnpProtocols() []v1alpha2.ClusterNetworkPolicyProtocol {
	if s.all {
		return nil
	}
	return s.cnp
}
