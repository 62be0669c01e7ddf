// Package netset is netpolc's one piece of IP address math: inclusive
// address ranges, sorted sets of disjoint ranges, CIDR blocks with holes,
// and the fewest prefixes covering a range. The evaluation model, the
// proof, the git gate's diff and the emitters that need address sets all
// use it, so "which addresses does this block cover" has one answer.
//
// Every range holds addresses of one family; sets order IPv4 before IPv6.
package netset

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// Range is the inclusive range of addresses First..Last, of one family.
type Range struct{ First, Last netip.Addr }

// NamePrefix starts every range's name (String).
const NamePrefix = "ip:"

// String names the range as the connectivity contract names external
// peers: "ip:FIRST-LAST".
func (r Range) String() string { return NamePrefix + r.First.String() + "-" + r.Last.String() }

// ParseName reads what String wrote.
func ParseName(s string) (Range, bool) {
	rest, ok := strings.CutPrefix(s, NamePrefix)
	if !ok {
		return Range{}, false
	}
	first, last, ok := strings.Cut(rest, "-")
	lo, err1 := netip.ParseAddr(first)
	hi, err2 := netip.ParseAddr(last)
	if !ok || err1 != nil || err2 != nil || lo.Is4() != hi.Is4() || hi.Less(lo) {
		return Range{}, false
	}
	return Range{lo, hi}, true
}

// Contains reports whether a lies in the range.
func (r Range) Contains(a netip.Addr) bool {
	return r.First.Compare(a) <= 0 && a.Compare(r.Last) <= 0
}

// Overlaps reports whether r and o share an address.
func (r Range) Overlaps(o Range) bool {
	return r.First.Is4() == o.First.Is4() && r.First.Compare(o.Last) <= 0 && o.First.Compare(r.Last) <= 0
}

// Compare orders ranges by first address, then last.
func Compare(a, b Range) int {
	if c := a.First.Compare(b.First); c != 0 {
		return c
	}
	return a.Last.Compare(b.Last)
}

// PrefixRange is the range of a prefix (masked first).
func PrefixRange(p netip.Prefix) Range {
	p = p.Masked()
	return Range{p.Addr(), Last(p)}
}

// Last is the highest address of a prefix.
func Last(p netip.Prefix) netip.Addr {
	p = p.Masked()
	if p.Addr().Is4() {
		b := p.Addr().As4()
		setHostBits(b[:], p.Bits())
		return netip.AddrFrom4(b)
	}
	b := p.Addr().As16()
	setHostBits(b[:], p.Bits())
	return netip.AddrFrom16(b)
}

// setHostBits sets the bits of b after the first bits.
func setHostBits(b []byte, bits int) {
	for i := bits; i < len(b)*8; {
		if i%8 == 0 {
			b[i/8] = 0xff
			i += 8
			continue
		}
		b[i/8] |= 0x80 >> (i % 8)
		i++
	}
}

// ParseCIDR reads a CIDR as the Kubernetes model reads an ipBlock: host
// bits are masked off and an IPv4-mapped IPv6 prefix of at least /96 is
// its IPv4 prefix. Callers that must refuse non-canonical input (the
// emitters, the compiler) check it before.
func ParseCIDR(cidr string) (Range, error) {
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		return Range{}, fmt.Errorf("bad CIDR %q: %v", cidr, err)
	}
	if p.Addr().Is4In6() && p.Bits() >= 96 {
		p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
	}
	return PrefixRange(p), nil
}

// Prefixes returns the fewest prefixes covering the range exactly, in
// ascending order.
func (r Range) Prefixes() []netip.Prefix {
	var out []netip.Prefix
	first, last := r.First, r.Last
	for first.IsValid() && first.Compare(last) <= 0 {
		// Grow the prefix while it starts at first and ends within last.
		p := netip.PrefixFrom(first, first.BitLen())
		for b := first.BitLen() - 1; b >= 0; b-- {
			q := netip.PrefixFrom(first, b).Masked()
			if q.Addr() != first || Last(q).Compare(last) > 0 {
				break
			}
			p = q
		}
		out = append(out, p)
		end := Last(p)
		if end == last {
			break
		}
		first = end.Next()
	}
	return out
}

// Set is a sorted list of disjoint ranges (IPv4 before IPv6). The zero Set
// is empty. Operations return new sets.
type Set []Range

// Block is cidr minus the holes in except (ParseCIDR's reading).
func Block(cidr string, except []string) (Set, error) {
	r, err := ParseCIDR(cidr)
	if err != nil {
		return nil, err
	}
	s := Set{r}
	for _, e := range except {
		h, err := ParseCIDR(e)
		if err != nil {
			return nil, err
		}
		s = s.Subtract(h)
	}
	return s, nil
}

// Union adds r to s. Overlapping ranges merge; adjacent ones stay apart
// (Merge joins them).
func (s Set) Union(r Range) Set {
	out := make(Set, 0, len(s)+1)
	for _, x := range s {
		if x.Overlaps(r) {
			r = Range{minAddr(r.First, x.First), maxAddr(r.Last, x.Last)}
			continue
		}
		out = append(out, x)
	}
	out = append(out, r)
	slices.SortFunc(out, Compare)
	return out
}

// Subtract removes r from every range of s.
func (s Set) Subtract(r Range) Set {
	var out Set
	for _, x := range s {
		if !x.Overlaps(r) {
			out = append(out, x)
			continue
		}
		if x.First.Compare(r.First) < 0 {
			out = append(out, Range{x.First, r.First.Prev()})
		}
		if r.Last.Compare(x.Last) < 0 {
			out = append(out, Range{r.Last.Next(), x.Last})
		}
	}
	return out
}

// Merge joins adjacent ranges.
func (s Set) Merge() Set {
	var out Set
	for _, r := range s {
		if n := len(out); n > 0 && out[n-1].First.Is4() == r.First.Is4() && out[n-1].Last.Next() == r.First {
			out[n-1].Last = r.Last
			continue
		}
		out = append(out, r)
	}
	return out
}

// Contains reports whether a (unmapped) lies in the set.
func (s Set) Contains(a netip.Addr) bool {
	a = a.Unmap()
	i, found := slices.BinarySearchFunc(s, a, func(r Range, t netip.Addr) int { return r.First.Compare(t) })
	if found {
		return true
	}
	return i > 0 && s[i-1].Contains(a)
}

// Key is a canonical string of the set, for de-duplication.
func (s Set) Key() string {
	var b strings.Builder
	for _, r := range s {
		b.WriteString(r.First.String())
		b.WriteByte('-')
		b.WriteString(r.Last.String())
		b.WriteByte(',')
	}
	return b.String()
}

// Prefixes covers the set exactly with the fewest prefixes per range.
func (s Set) Prefixes() []netip.Prefix {
	var out []netip.Prefix
	for _, r := range s.Merge() {
		out = append(out, r.Prefixes()...)
	}
	return out
}

func minAddr(a, b netip.Addr) netip.Addr {
	if a.Compare(b) < 0 {
		return a
	}
	return b
}

func maxAddr(a, b netip.Addr) netip.Addr {
	if a.Compare(b) > 0 {
		return a
	}
	return b
}
