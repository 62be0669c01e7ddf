package nftables

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/emitters/nftables/nftapi"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/portset"
)

// portSpec is a rule's ports: every packet (any), or numbers and ranges
// (fixed) plus named ports that resolve on the destination pod.
type portSpec struct {
	any   bool
	fixed portset.Set
	named []namedRef // sorted, deduplicated
}

// namedRef is a port name with the protocol the container port must have.
type namedRef struct {
	name  string
	proto portset.Protocol
}

// compilePorts validates IR ports; none means every packet.
func compilePorts(ports []ir.Port) (portSpec, []error) {
	if len(ports) == 0 {
		return portSpec{any: true}, nil
	}
	var spec portSpec
	var errs []error
	for _, p := range ports {
		proto, err := portset.ParseProtocol(p.Protocol.String())
		if err != nil {
			errs = append(errs, fmt.Errorf("%w port: %v", kit.ErrInvalid, err))
			continue
		}
		last := max(p.End, p.Number)
		switch {
		case p.Name != "" && (p.Number != 0 || p.End != 0):
			errs = append(errs, fmt.Errorf("%w port %q: a named port has no number or end", kit.ErrInvalid, p.Name))
		case p.Name != "":
			if msgs := validation.IsValidPortName(p.Name); len(msgs) > 0 {
				errs = append(errs, fmt.Errorf("%w port name %q: %s", kit.ErrInvalid, p.Name, strings.Join(msgs, "; ")))
				continue
			}
			spec.named = append(spec.named, namedRef{p.Name, proto})
		case p.Number == 0 && p.End == 0:
			spec.fixed = spec.fixed.Union(portset.AllPorts(proto))
		case p.Number < portset.MinPort || last > portset.MaxPort || (p.End != 0 && p.End < p.Number):
			errs = append(errs, fmt.Errorf("%w port range %d-%d", kit.ErrInvalid, p.Number, p.End))
		default:
			spec.fixed = spec.fixed.Union(portset.PortRange(proto, p.Number, last))
		}
	}
	slices.SortFunc(spec.named, func(a, b namedRef) int {
		return cmp.Or(cmp.Compare(a.name, b.name), cmp.Compare(a.proto, b.proto))
	})
	spec.named = slices.Compact(spec.named)
	return spec, errs
}

// resolve gives the ports the named references mean on a pod with the
// given container ports (name and protocol must both match).
func resolve(named []namedRef, ports []ir.NamedPort) portset.Set {
	var out portset.Set
	for _, n := range named {
		for _, p := range ports {
			proto, err := portset.ParseProtocol(cmp.Or(p.Protocol, portset.TCP).String())
			if err == nil && p.Name == n.name && proto == n.proto {
				out = out.Union(portset.Port(proto, p.Port))
			}
		}
	}
	return out
}

// namedKey names a list of named references inside set names: "http",
// "dns-udp_metrics" (the protocol when not TCP).
func namedKey(named []namedRef) string {
	parts := make([]string, len(named))
	for i, n := range named {
		parts[i] = n.name
		if n.proto != portset.TCP {
			parts[i] += "-" + nftapi.ProtocolName(n.proto)
		}
	}
	return strings.Join(parts, "_")
}

// portMatches turns a port set into match lists, one per group of
// protocols with the same ranges, protocols in portset order. A protocol
// with every port needs no DPort match.
func portMatches(s portset.Set) [][]nftapi.Match {
	type group struct {
		protos []portset.Protocol
		ranges []portset.Range
	}
	var groups []*group
	for _, p := range portset.Protocols {
		rs := s.Ranges(p)
		if len(rs) == 0 {
			continue
		}
		if isFull(rs) {
			rs = nil
		}
		found := false
		for _, g := range groups {
			if slices.Equal(g.ranges, rs) {
				g.protos = append(g.protos, p)
				found = true
				break
			}
		}
		if !found {
			groups = append(groups, &group{protos: []portset.Protocol{p}, ranges: rs})
		}
	}
	out := make([][]nftapi.Match, len(groups))
	for i, g := range groups {
		out[i] = []nftapi.Match{nftapi.L4Proto{Protocols: g.protos}}
		if g.ranges != nil {
			out[i] = append(out[i], nftapi.DPort{Ranges: slices.Clone(g.ranges)})
		}
	}
	return out
}

func isFull(rs []portset.Range) bool {
	return len(rs) == 1 && rs[0].First == portset.MinPort && rs[0].Last == portset.MaxPort
}

// portsName renders a resolved port set inside set names: "tcp.8080",
// "tcp.80-81_udp.53".
func portsName(s portset.Set) string {
	var parts []string
	for _, p := range portset.Protocols {
		for _, r := range s.Ranges(p) {
			part := fmt.Sprintf("%s.%d", nftapi.ProtocolName(p), r.First)
			if r.Last != r.First {
				part += fmt.Sprintf("-%d", r.Last)
			}
			parts = append(parts, part)
		}
	}
	return strings.Join(parts, "_")
}
