package networkpolicy

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/netpolc/netpolc/internal/portset"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"

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
		if err := checkPort(p); err != nil {
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

// checkPort validates one port as the API server would.
func checkPort(p ir.Port) error {
	var msgs []string
	switch p.Protocol {
	case portset.TCP, portset.UDP, portset.SCTP:
	default:
		msgs = append(msgs, fmt.Sprintf("protocol %q: must be TCP, UDP or SCTP", p.Protocol))
	}
	switch {
	case p.Name != "" && p.Number != 0:
		msgs = append(msgs, fmt.Sprintf("port %d and name %q: only one may be set", p.Number, p.Name))
	case p.Name != "":
		msgs = appendMsgs(msgs, "port "+p.Name, validation.IsValidPortName(p.Name))
		if p.End != 0 {
			msgs = append(msgs, fmt.Sprintf("endPort %d: only allowed with a numeric port", p.End))
		}
	case p.Number == 0 && p.End != 0:
		msgs = append(msgs, fmt.Sprintf("endPort %d: only allowed with a numeric port", p.End))
	case p.Number == 0:
		// Every port of the protocol.
	default:
		msgs = appendMsgs(msgs, fmt.Sprintf("port %d", p.Number), validation.IsValidPortNum(int(p.Number)))
		if p.End != 0 {
			msgs = appendMsgs(msgs, fmt.Sprintf("endPort %d", p.End), validation.IsValidPortNum(int(p.End)))
			if p.End < p.Number {
				msgs = append(msgs, fmt.Sprintf("endPort %d: must not be below port %d", p.End, p.Number))
			}
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	return fmt.Errorf("%w %s", ErrInvalid, strings.Join(msgs, "; "))
}

// appendMsgs adds the validation messages about what, if any.
func appendMsgs(msgs []string, what string, found []string) []string {
	if len(found) > 0 {
		msgs = append(msgs, what+": "+strings.Join(found, "; "))
	}
	return msgs
}
