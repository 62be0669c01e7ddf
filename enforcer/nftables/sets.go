package nftables

import (
	"fmt"
	"net/netip"

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

// externalPeers splits the address space into the largest ranges over
// which membership in every interval set is constant: the external peers,
// named as ARCHITECTURE.md §3 names them, both families always present.
// Interval sets are the ruleset's
// networks (the ipBlocks), so this is the split the NetworkPolicy model
// derives from the same blocks.
func externalPeers(sets []*addrSet) []netset.Range {
	var nets []*addrSet
	var spans []netset.Set
	for _, s := range sets {
		if s.interval {
			nets = append(nets, s)
			spans = append(spans, s.spans)
		}
	}
	return netset.Atoms(spans, func(r netset.Range) string {
		key := ""
		for _, s := range nets {
			key += string(rune('0' + s.covers(r)))
		}
		return key
	})
}
