// Package portset is the canonical connection set of netpolc: for each L4
// protocol (TCP, UDP, SCTP) a sorted list of merged, disjoint port ranges
// within 1–65535. Every part of the evaluation model speaks in these sets,
// never in ad-hoc slices of ports.
//
// A Set is an immutable value; the zero Set is empty. Operations return new
// sets and never modify their operands, so sets may be shared freely.
package portset

import (
	"fmt"
	"strings"
)

// Protocol is an L4 protocol NetworkPolicy can name. It is the one
// protocol type of netpolc: the IR, the model and every emitter use it.
//
// The zero value is "no protocol given" (it prints as ""), so that a field
// can say the user left it out; the others are numbered in the order of
// their names, so that sorting by protocol sorts by name.
type Protocol uint8

// The protocols.
const (
	NoProtocol Protocol = iota
	SCTP
	TCP
	UDP
)

const numProtocols = 3

// Protocols lists every protocol in print order (Kubernetes' conventional
// order, which sets print in).
var Protocols = [numProtocols]Protocol{TCP, UDP, SCTP}

// MinPort and MaxPort bound every range.
const (
	MinPort = 1
	MaxPort = 65535
)

// index is the protocol's slot in per-protocol arrays; ok is false for
// NoProtocol and unknown values.
func (p Protocol) index() (int, bool) {
	i := int(p) - 1
	return i, i >= 0 && i < numProtocols
}

// String spells the protocol as Kubernetes does ("" for NoProtocol).
func (p Protocol) String() string {
	switch p {
	case NoProtocol:
		return ""
	case TCP:
		return "TCP"
	case UDP:
		return "UDP"
	case SCTP:
		return "SCTP"
	}
	return fmt.Sprintf("Protocol(%d)", uint8(p))
}

// MarshalText spells the protocol as Kubernetes does.
func (p Protocol) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText reads what MarshalText wrote ("" is NoProtocol).
func (p *Protocol) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*p = NoProtocol
		return nil
	}
	q, err := ParseProtocol(string(b))
	*p = q
	return err
}

// ParseProtocol reads a protocol name, case-insensitively.
func ParseProtocol(s string) (Protocol, error) {
	switch strings.ToUpper(s) {
	case "TCP":
		return TCP, nil
	case "UDP":
		return UDP, nil
	case "SCTP":
		return SCTP, nil
	}
	return NoProtocol, fmt.Errorf("unknown protocol %q (want TCP, UDP or SCTP)", s)
}

// ProtocolNamed is the protocol spelt exactly as Kubernetes spells it
// ("TCP", "UDP", "SCTP"), or NoProtocol for anything else.
func ProtocolNamed(s string) Protocol {
	switch s {
	case "TCP":
		return TCP
	case "UDP":
		return UDP
	case "SCTP":
		return SCTP
	}
	return NoProtocol
}

// Range is an inclusive range of ports First..Last.
type Range struct {
	First, Last uint16
}

// Set is a set of (protocol, port) pairs.
type Set struct {
	d *data // nil: empty
}

type data struct {
	r   [numProtocols][]Range
	all bool // every protocol is exactly [1, 65535]
}

var all = func() Set {
	d := &data{all: true}
	for i := range d.r {
		d.r[i] = []Range{{MinPort, MaxPort}}
	}
	return Set{d}
}()

// All is every port of every protocol.
func All() Set { return all }

// Empty is the empty set (the zero Set).
func Empty() Set { return Set{} }

// Port is the single port p of protocol proto; out-of-range ports give the
// empty set.
func Port(proto Protocol, p int32) Set { return PortRange(proto, p, p) }

// PortRange is ports first..last of protocol proto, clipped to 1–65535;
// an empty or inverted range gives the empty set.
func PortRange(proto Protocol, first, last int32) Set {
	first = max(first, MinPort)
	last = min(last, MaxPort)
	i, ok := proto.index()
	if first > last || !ok {
		return Set{}
	}
	d := &data{}
	d.r[i] = []Range{{uint16(first), uint16(last)}}
	return Set{d}
}

// AllPorts is every port of protocol proto.
func AllPorts(proto Protocol) Set { return PortRange(proto, MinPort, MaxPort) }

// IsEmpty reports whether s allows nothing.
func (s Set) IsEmpty() bool { return s.d == nil }

// IsAll reports whether s is every port of every protocol.
func (s Set) IsAll() bool { return s.d != nil && s.d.all }

// Ranges returns the sorted, merged ranges of one protocol. The caller must
// not modify the result.
func (s Set) Ranges(proto Protocol) []Range {
	i, ok := proto.index()
	if s.d == nil || !ok {
		return nil
	}
	return s.d.r[i]
}

// Contains reports whether port p of protocol proto is in s.
func (s Set) Contains(proto Protocol, p int32) bool {
	for _, r := range s.Ranges(proto) {
		if p < int32(r.First) {
			return false
		}
		if p <= int32(r.Last) {
			return true
		}
	}
	return false
}

// Equal reports whether s and t hold the same ports.
func (s Set) Equal(t Set) bool {
	if s.d == t.d {
		return true
	}
	if s.d == nil || t.d == nil {
		return false
	}
	if s.d.all || t.d.all {
		return s.d.all == t.d.all
	}
	for i := range s.d.r {
		a, b := s.d.r[i], t.d.r[i]
		if len(a) != len(b) {
			return false
		}
		for j := range a {
			if a[j] != b[j] {
				return false
			}
		}
	}
	return true
}

// Union is every port in s or t.
func (s Set) Union(t Set) Set {
	if u, ok := unionOfInputs(s, t); ok {
		return u
	}
	return build(func(i int) []Range { return union(s.d.r[i], t.d.r[i]) })
}

// unionOfInputs is s ∪ t when that is one of them or All, so that
// nothing need be built; ok is false otherwise (both non-empty, neither
// All nor covering the other).
func unionOfInputs(s, t Set) (u Set, ok bool) {
	switch {
	case s.d == nil || t.IsAll() || s.d == t.d:
		return t, true
	case t.d == nil || s.IsAll():
		return s, true
	case t.subsetOf(s):
		return s, true // the common case of a matrix row: the same ports again
	case s.subsetOf(t):
		return t, true
	}
	return Set{}, false
}

// Intersect is every port in both s and t.
func (s Set) Intersect(t Set) Set {
	switch {
	case s.d == nil || t.IsAll() || s.d == t.d:
		return s
	case t.d == nil || s.IsAll():
		return t
	case s.subsetOf(t):
		return s
	case t.subsetOf(s):
		return t
	}
	return build(func(i int) []Range { return intersect(s.d.r[i], t.d.r[i]) })
}

// Overlaps reports whether s and t share a port, without building their
// intersection.
func (s Set) Overlaps(t Set) bool {
	switch {
	case s.d == nil || t.d == nil:
		return false
	case s.d.all || t.d.all || s.d == t.d:
		return true
	}
	for i := range s.d.r {
		a, b := s.d.r[i], t.d.r[i]
		for x, y := 0, 0; x < len(a) && y < len(b); {
			if max(a[x].First, b[y].First) <= min(a[x].Last, b[y].Last) {
				return true
			}
			if a[x].Last < b[y].Last {
				x++
			} else {
				y++
			}
		}
	}
	return false
}

// subsetOf reports whether every port of s is in t, for non-empty sets
// neither of which is all: Union and Intersect then return an input
// instead of building (and allocating) a copy of it.
func (s Set) subsetOf(t Set) bool {
	for i := range s.d.r {
		if !covered(s.d.r[i], t.d.r[i]) {
			return false
		}
	}
	return true
}

// Subtract is every port in s but not in t.
func (s Set) Subtract(t Set) Set {
	switch {
	case s.d == nil || t.d == nil:
		return s
	case t.IsAll() || s.d == t.d:
		return Set{}
	}
	return build(func(i int) []Range { return subtract(s.d.r[i], t.d.r[i]) })
}

// allRanges reports whether every protocol's list is exactly 1–65535.
func allRanges(r *[numProtocols][]Range) bool {
	for i := range r {
		if len(r[i]) != 1 || r[i][0] != (Range{MinPort, MaxPort}) {
			return false
		}
	}
	return true
}

// build assembles a canonical set from per-protocol range lists.
func build(f func(i int) []Range) Set {
	d := &data{}
	nonEmpty := false
	for i := range d.r {
		d.r[i] = f(i)
		if len(d.r[i]) > 0 {
			nonEmpty = true
		}
	}
	d.all = allRanges(&d.r)
	switch {
	case !nonEmpty:
		return Set{}
	case d.all:
		return all
	}
	return Set{d}
}
