package netset

import (
	"net/netip"
	"slices"
	"strings"
)

// maxDisplayPrefixes is the most CIDRs, or holes of the enclosing CIDR,
// Display prints for one family before it falls back to address ranges.
const maxDisplayPrefixes = 4

// Display names the set for people, as the human formats print external
// peers: "world" when it is every address of world (the external space of
// a matrix), otherwise per family the shorter of its CIDRs
// ("203.0.113.0/25") and its enclosing CIDR with holes ("0.0.0.0/0 except
// 203.0.113.0/25"), families joined by "; ". A family that needs more than
// maxDisplayPrefixes CIDRs or holes prints as ranges
// ("10.0.0.3-10.0.0.200"). The contract formats keep Range.String.
func (s Set) Display(world Set) string {
	s = normalize(s)
	if len(s) > 0 && s.Key() == normalize(world).Key() {
		return "world"
	}
	var parts []string
	for _, fam := range [][]Range{family(s, true), family(s, false)} {
		if len(fam) > 0 {
			parts = append(parts, displayFamily(fam))
		}
	}
	return strings.Join(parts, "; ")
}

// normalize sorts and merges a copy of s.
func normalize(s Set) Set {
	c := slices.Clone(s)
	slices.SortFunc(c, Compare)
	return c.Merge()
}

// family is the ranges of s of one family.
func family(s Set, v4 bool) Set {
	var out Set
	for _, r := range s {
		if r.First.Is4() == v4 {
			out = append(out, r)
		}
	}
	return out
}

// displayFamily names a sorted, merged set of one family.
func displayFamily(s Set) string {
	direct := s.Prefixes()
	enc := enclosing(Range{s[0].First, s[len(s)-1].Last})
	holes := Set{PrefixRange(enc)}
	for _, r := range s {
		holes = holes.Subtract(r)
	}
	holed := holes.Prefixes()
	switch {
	case len(direct) <= 1+len(holed) && len(direct) <= maxDisplayPrefixes:
		return joinPrefixes(direct)
	case len(holed) <= maxDisplayPrefixes:
		return enc.String() + " except " + joinPrefixes(holed)
	}
	names := make([]string, len(s))
	for i, r := range s {
		names[i] = strings.TrimPrefix(r.String(), "ip:")
	}
	return strings.Join(names, ", ")
}

func joinPrefixes(ps []netip.Prefix) string {
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = p.String()
	}
	return strings.Join(names, ", ")
}

// enclosing is the smallest prefix holding every address of r.
func enclosing(r Range) netip.Prefix {
	for b := r.First.BitLen(); b > 0; b-- {
		p := netip.PrefixFrom(r.First, b).Masked()
		if p.Contains(r.Last) {
			return p
		}
	}
	return netip.PrefixFrom(r.First, 0).Masked()
}
