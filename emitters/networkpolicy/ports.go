package networkpolicy

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/internal/ir"
)

// convertPorts validates an IR port list and returns it as NetworkPolicy
// ports, sorted by (protocol, number, end, name) and deduplicated, with the
// key that identifies the set. An empty list (every port) has key "".
func convertPorts(in []ir.Port) ([]networkingv1.NetworkPolicyPort, string, []error) {
	ports := slices.Clone(in)
	for i := range ports {
		if ports[i].End == ports[i].Number {
			ports[i].End = 0 // a one-port range is just the port
		}
	}
	slices.SortFunc(ports, func(a, b ir.Port) int {
		return cmp.Or(cmp.Compare(a.Protocol, b.Protocol), cmp.Compare(a.Number, b.Number),
			cmp.Compare(a.End, b.End), cmp.Compare(a.Name, b.Name))
	})
	ports = slices.Compact(ports)
	var (
		out  []networkingv1.NetworkPolicyPort
		keys []string
		errs []error
	)
	for _, p := range ports {
		if err := kit.CheckPort(p); err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, port(p))
		keys = append(keys, portKey(p))
	}
	return out, strings.Join(keys, ","), errs
}

// portKey renders a port so that keys, and comma-joined lists of them, sort
// like the ports: fixed-width numbers, and "," sorts before every character
// of a port name.
func portKey(p ir.Port) string {
	return fmt.Sprintf("%s/%05d-%05d/%s", p.Protocol, p.Number, p.End, p.Name)
}

// port converts one validated IR port.
func port(p ir.Port) networkingv1.NetworkPolicyPort {
	proto := corev1.Protocol(p.Protocol.String())
	out := networkingv1.NetworkPolicyPort{Protocol: &proto}
	if p.Name != "" {
		v := intstr.FromString(p.Name)
		out.Port = &v
		return out
	}
	if p.Number == 0 {
		return out // every port of the protocol
	}
	v := intstr.FromInt32(p.Number)
	out.Port = &v
	if p.End != 0 {
		end := p.End
		out.EndPort = &end
	}
	return out
}
