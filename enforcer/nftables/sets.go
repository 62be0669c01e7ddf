package nftables

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/netpolc/netpolc/emitters/nftables/nftapi"
)

// span is an inclusive range of addresses of one family.
type span struct{ lo, hi netip.Addr }

func (s span) String() string { return "ip:" + s.lo.String() + "-" + s.hi.String() }

// addrSet is a Set's elements as sorted, merged spans.
type addrSet struct {
	name     string
	interval bool
	spans    []span
}

// newAddrSet normalises a set's elements.
func newAddrSet(s *nftapi.Set) (*addrSet, error) {
	out := &addrSet{name: s.Name, interval: s.Interval}
	for _, e := range s.Elements {
		lo, hi := e.From.Unmap(), e.To.Unmap()
		if !lo.IsValid() || !hi.IsValid() || lo.Is4() != hi.Is4() || hi.Less(lo) {
			return nil, fmt.Errorf("%w: set %s: bad element %s-%s", ErrInvalid, s.Name, e.From, e.To)
		}
		if !s.Interval && lo != hi {
			return nil, fmt.Errorf("%w: set %s: range %s-%s in a set without the interval flag", ErrInvalid, s.Name, lo, hi)
		}
		out.spans = append(out.spans, span{lo, hi})
	}
	slices.SortFunc(out.spans, func(a, b span) int { return a.lo.Compare(b.lo) })
	merged := out.spans[:0]
	for _, sp := range out.spans {
		if n := len(merged); n > 0 && adjacentOrOverlapping(merged[n-1], sp) {
			if merged[n-1].hi.Less(sp.hi) {
				merged[n-1].hi = sp.hi
			}
			continue
		}
		merged = append(merged, sp)
	}
	out.spans = merged
	return out, nil
}

func adjacentOrOverlapping(a, b span) bool {
	if a.lo.Is4() != b.lo.Is4() {
		return false
	}
	next := a.hi.Next()
	return b.lo.Compare(a.hi) <= 0 || (next.IsValid() && next == b.lo)
}

// contains reports whether a is in the set.
func (s *addrSet) contains(a netip.Addr) bool {
	i, found := slices.BinarySearchFunc(s.spans, a, func(sp span, t netip.Addr) int { return sp.lo.Compare(t) })
	if found {
		return true
	}
	return i > 0 && s.spans[i-1].lo.Is4() == a.Is4() && a.Compare(s.spans[i-1].hi) <= 0
}

// covers tells whether the set holds all of r (1), none of it (0), or
// part of it (-1).
func (s *addrSet) covers(r span) int {
	for _, sp := range s.spans {
		if sp.lo.Is4() != r.lo.Is4() || sp.hi.Less(r.lo) || r.hi.Less(sp.lo) {
			continue
		}
		if sp.lo.Compare(r.lo) <= 0 && r.hi.Compare(sp.hi) <= 0 {
			return 1
		}
		return -1
	}
	return 0
}

var (
	v4First = netip.AddrFrom4([4]byte{})
	v4Last  = netip.AddrFrom4([4]byte{255, 255, 255, 255})
	v6First = netip.IPv6Unspecified()
	v6Last  = netip.AddrFrom16([16]byte{
		255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255})
)

// externalPeers splits the address space into the largest ranges over
// which membership in every interval set is constant: the external peers,
// named as DESIGN §3 names them. IPv4 is always present, IPv6 when some
// interval set holds IPv6 networks. Interval sets are the ruleset's
// networks (the ipBlocks), so this is the split the NetworkPolicy model
// derives from the same blocks.
func externalPeers(sets []*addrSet) []span {
	starts := []netip.Addr{v4First}
	var nets []*addrSet
	for _, s := range sets {
		if !s.interval {
			continue
		}
		nets = append(nets, s)
		for _, sp := range s.spans {
			starts = append(starts, sp.lo)
			if next := sp.hi.Next(); next.IsValid() && next.Is4() == sp.hi.Is4() {
				starts = append(starts, next)
			}
			if sp.lo.Is6() {
				starts = append(starts, v6First)
			}
		}
	}
	slices.SortFunc(starts, netip.Addr.Compare)
	starts = slices.Compact(starts)
	var out []span
	prevKey := ""
	for i, lo := range starts {
		hi := v4Last
		if lo.Is6() {
			hi = v6Last
		}
		if i+1 < len(starts) && starts[i+1].Is6() == lo.Is6() {
			hi = starts[i+1].Prev()
		}
		key := ""
		for _, s := range nets {
			key += string(rune('0' + s.covers(span{lo, hi})))
		}
		if n := len(out); n > 0 && key == prevKey && out[n-1].hi.Next() == lo {
			out[n-1].hi = hi
			continue
		}
		prevKey = key
		out = append(out, span{lo, hi})
	}
	return out
}
