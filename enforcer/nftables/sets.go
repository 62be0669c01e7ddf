package nftables

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/netpolc/netpolc/internal/netset"

	"github.com/netpolc/netpolc/emitters/nftables/nftapi"
)

// addrSet is a Set's elements as sorted, merged spans.
type addrSet struct {
	name     string
	interval bool
	spans    netset.Set
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
		out.spans = out.spans.Union(netset.Range{First: lo, Last: hi})
	}
	out.spans = out.spans.Merge()
	return out, nil
}

// contains reports whether a is in the set.
func (s *addrSet) contains(a netip.Addr) bool { return s.spans.Contains(a) }

// covers tells whether the set holds all of r (1), none of it (0), or
// part of it (-1).
func (s *addrSet) covers(r netset.Range) int {
	for _, sp := range s.spans {
		if sp.First.Is4() != r.First.Is4() || sp.Last.Less(r.First) || r.Last.Less(sp.First) {
			continue
		}
		if sp.First.Compare(r.First) <= 0 && r.Last.Compare(sp.Last) <= 0 {
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
// named as ARCHITECTURE.md §3 names them. IPv4 is always present, IPv6 when some
// interval set holds IPv6 networks. Interval sets are the ruleset's
// networks (the ipBlocks), so this is the split the NetworkPolicy model
// derives from the same blocks.
func externalPeers(sets []*addrSet) []netset.Range {
	starts := []netip.Addr{v4First}
	var nets []*addrSet
	for _, s := range sets {
		if !s.interval {
			continue
		}
		nets = append(nets, s)
		for _, sp := range s.spans {
			starts = append(starts, sp.First)
			if next := sp.Last.Next(); next.IsValid() && next.Is4() == sp.Last.Is4() {
				starts = append(starts, next)
			}
			if sp.First.Is6() {
				starts = append(starts, v6First)
			}
		}
	}
	slices.SortFunc(starts, netip.Addr.Compare)
	starts = slices.Compact(starts)
	var out []netset.Range
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
			key += string(rune('0' + s.covers(netset.Range{First: lo, Last: hi})))
		}
		if n := len(out); n > 0 && key == prevKey && out[n-1].Last.Next() == lo {
			out[n-1].Last = hi
			continue
		}
		prevKey = key
		out = append(out, netset.Range{First: lo, Last: hi})
	}
	return out
}
