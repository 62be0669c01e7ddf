package netset

import (
	"net/netip"
	"slices"
)

// Atoms splits the address space into the largest ranges over which
// every set's membership is constant, the way the model names its
// external peers: the cuts are the sets' range boundaries; both families
// are always present (enforcer/atoms.go says why). Adjacent pieces that key
// gives the same value are merged (key describes a piece's membership,
// e.g. whether each set holds all, part or none of it).
func Atoms(sets []Set, key func(Range) string) []Range {
	v4, v6 := netip.AddrFrom4([4]byte{}), netip.IPv6Unspecified()
	starts := []netip.Addr{v4, v6}
	for _, s := range sets {
		for _, r := range s {
			starts = append(starts, r.First)
			if next := r.Last.Next(); next.IsValid() && next.Is4() == r.Last.Is4() {
				starts = append(starts, next)
			}
		}
	}
	slices.SortFunc(starts, netip.Addr.Compare)
	starts = slices.Compact(starts)
	var out []Range
	prev := ""
	for i, lo := range starts {
		hi := Last(netip.PrefixFrom(lo, 0))
		if i+1 < len(starts) && starts[i+1].Is6() == lo.Is6() {
			hi = starts[i+1].Prev()
		}
		piece := Range{First: lo, Last: hi}
		k := key(piece)
		if n := len(out); n > 0 && k == prev && out[n-1].Last.Next() == lo {
			out[n-1].Last = hi
			continue
		}
		prev = k
		out = append(out, piece)
	}
	return out
}
