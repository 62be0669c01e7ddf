package compiler

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/netpolc/netpolc/internal/portset"

	"cuelang.org/go/cue"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/netpolc/netpolc/internal/ir"
)

// ports compiles a list of port specifications.
func (c *compiler) ports(v *node, via ir.Origin) ([]ir.Port, bool) {
	var out []ir.Port
	ok := true
	c.elems(v, func(_ int, pv *node) {
		if pv.IncompleteKind() == cue.StructKind && (!c.closed(pv, portFields, via) || !c.portFieldsKnown(pv, via)) {
			ok = false
			return
		}
		p, err := c.port(pv)
		if err != nil {
			c.errorAt(pv, via, portHint, "%v", err)
			ok = false
			return
		}
		out = append(out, p)
	})
	return out, ok
}

const portHint = `ports are 8080, "http" (a named container port), "TCP/80", "UDP/53", "TCP/8000-8100", "SCTP", or {port: 8000, endPort: 8100, protocol: "TCP"}`

// portFieldsKnown reports, for a port in the long form that the user
// wrote (template output is checked by closed), each field it should not
// have (the schema leaves ports to the compiler).
func (c *compiler) portFieldsKnown(v *node, via ir.Origin) bool {
	if via.File != "" {
		return true
	}
	return c.onlyFields(v, portFields, portHint, "a port")
}

// protocolOf is the protocol field of a port in the long form: TCP when
// absent; false, with the field, when it is not TCP, UDP or SCTP.
func protocolOf(v *node) (portset.Protocol, *node, bool) {
	pv := get(v, "protocol")
	if !pv.Exists() {
		return portset.TCP, nil, true
	}
	s, err := pv.String()
	proto := portset.ProtocolNamed(s)
	return proto, pv, err == nil && proto != portset.NoProtocol
}

// port compiles one port in any of its forms.
func (c *compiler) port(v *node) (ir.Port, error) {
	v, _ = v.Default()
	switch v.IncompleteKind() {
	case cue.IntKind:
		n, _ := v.Int64()
		return checkPort(ir.Port{Protocol: portset.TCP, Number: int32(clamp(n))}, n, 0)
	case cue.StringKind:
		s, _ := v.String()
		return c.portString(s)
	case cue.StructKind:
	default:
		return ir.Port{}, fmt.Errorf("a port is a number, a string or a struct, not %v", v.IncompleteKind())
	}
	proto, prv, valid := protocolOf(v)
	p := ir.Port{Protocol: proto}
	if !valid {
		return p, fmt.Errorf("protocol %v is not TCP, UDP or SCTP", prv.val())
	}
	pv := get(v, "port")
	ev := get(v, "endPort")
	if ev.Exists() {
		if d, _ := ev.Default(); d.IncompleteKind() != cue.IntKind {
			return p, fmt.Errorf("endPort %v is not a number", ev.val())
		}
	}
	var num, end int64
	if pv.Exists() {
		pv, _ = pv.Default()
		if k := pv.IncompleteKind(); k != cue.StringKind && k != cue.IntKind {
			return p, fmt.Errorf("port %v is not a number or a container port's name", pv.val())
		}
		if pv.IncompleteKind() == cue.StringKind {
			name, _ := pv.String()
			if ev.Exists() {
				return p, fmt.Errorf("endPort needs a numeric port, not %q", name)
			}
			return c.namedPortRef(p.Protocol, name, true)
		}
		num, _ = pv.Int64()
		p.Number = int32(clamp(num))
	}
	if ev.Exists() {
		if !pv.Exists() {
			return p, fmt.Errorf("endPort needs a port")
		}
		end, _ = ev.Int64()
		p.End = int32(clamp(end))
	}
	if !pv.Exists() {
		return p, nil
	}
	return checkPort(p, num, end)
}

// portString parses the string forms of a port.
func (c *compiler) portString(s string) (ir.Port, error) {
	proto, rest, hasProto := strings.Cut(s, "/")
	switch portset.ProtocolNamed(proto) {
	case portset.TCP, portset.UDP, portset.SCTP:
		if !hasProto {
			return ir.Port{Protocol: portset.ProtocolNamed(proto)}, nil
		}
	default:
		if hasProto {
			return ir.Port{}, fmt.Errorf("unknown protocol %q in port %q (TCP, UDP or SCTP)", proto, s)
		}
		rest, proto = s, ""
	}
	if rest == "" {
		return ir.Port{}, fmt.Errorf("port %q has no port after the protocol", s)
	}
	first, last, isRange := strings.Cut(rest, "-")
	if !isDigits(first) {
		return c.namedPortRef(portset.ProtocolNamed(proto), rest, proto != "")
	}
	n, err := strconv.ParseInt(first, 10, 64)
	if err != nil {
		return ir.Port{}, fmt.Errorf("port %q is out of range (1-65535)", s)
	}
	p := ir.Port{Protocol: portset.TCP, Number: int32(clamp(n))}
	if proto != "" {
		p.Protocol = portset.ProtocolNamed(proto)
	}
	var end int64
	if isRange {
		if end, err = strconv.ParseInt(last, 10, 64); err != nil {
			return p, fmt.Errorf("invalid port range %q", s)
		}
		p.End = int32(clamp(end))
	}
	return checkPort(p, n, end)
}

// namedPortRef resolves a named port's protocol from the workloads that
// declare it: NetworkPolicy matches a named port only when the protocol
// matches too, so guessing TCP for a UDP port would silently match nothing.
func (c *compiler) namedPortRef(proto portset.Protocol, name string, explicit bool) (ir.Port, error) {
	if errs := validation.IsValidPortName(name); len(errs) > 0 {
		return ir.Port{}, fmt.Errorf("invalid port %q: %s", name, strings.Join(errs, "; "))
	}
	protos := c.portProtocols(name)
	switch {
	case len(protos) == 0:
		return ir.Port{}, fmt.Errorf("no workload declares a port named %q", name)
	case explicit:
		if !protos[proto] {
			return ir.Port{}, fmt.Errorf("no workload declares a %s port named %q", proto, name)
		}
		return ir.Port{Protocol: proto, Name: name}, nil
	case len(protos) > 1:
		var list []string
		for p := range protos {
			list = append(list, p.String())
		}
		sort.Strings(list)
		return ir.Port{}, fmt.Errorf("port %q is declared with protocols %s; write \"%s/%s\" to choose", name, strings.Join(list, " and "), list[0], name)
	}
	for p := range protos {
		proto = p
	}
	return ir.Port{Protocol: proto, Name: name}, nil
}

// checkPort validates a numeric port and its range end.
func checkPort(p ir.Port, n, end int64) (ir.Port, error) {
	if validation.IsValidPortNum(int(clamp(n))) != nil || n != int64(p.Number) {
		return p, fmt.Errorf("port %d is out of range (1-65535)", n)
	}
	if end != 0 {
		if validation.IsValidPortNum(int(clamp(end))) != nil || end != int64(p.End) {
			return p, fmt.Errorf("endPort %d is out of range (1-65535)", end)
		}
		if end < n {
			return p, fmt.Errorf("endPort %d is below port %d", end, n)
		}
		if end == n {
			p.End = 0
		}
	}
	return p, nil
}

// clamp keeps huge numbers from wrapping when narrowed to int32; the range
// check then reports the user's original value.
func clamp(n int64) int64 {
	if n < -1 || n > 1<<20 {
		return -1
	}
	return n
}

func isDigits(s string) bool {
	_, err := strconv.ParseUint(s, 10, 64)
	return err == nil
}
