package enforcer

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
)

// ipRange is an inclusive range of addresses of one family.
type ipRange struct{ lo, hi netip.Addr }

// String renders the range as an external peer name: "ip:FIRST-LAST".
func (r ipRange) String() string { return "ip:" + r.lo.String() + "-" + r.hi.String() }

// ipSet is a sorted list of disjoint ranges (IPv4 before IPv6).
type ipSet []ipRange

// parsePrefix reads a CIDR into its address range.
func parsePrefix(cidr string) (ipRange, error) {
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		return ipRange{}, fmt.Errorf("%w: bad CIDR %q: %v", ErrInvalid, cidr, err)
	}
	if p.Addr().Is4In6() && p.Bits() >= 96 {
		p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
	}
	p = p.Masked()
	return ipRange{p.Addr(), lastAddr(p)}, nil
}

// lastAddr is the highest address of a masked prefix.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// blockSet is cidr minus the excepts.
func blockSet(cidr string, except []string) (ipSet, error) {
	r, err := parsePrefix(cidr)
	if err != nil {
		return nil, err
	}
	s := ipSet{r}
	for _, e := range except {
		er, err := parsePrefix(e)
		if err != nil {
			return nil, err
		}
		s = s.subtract(er)
	}
	return s, nil
}

// union adds r to s, keeping the set sorted and disjoint (adjacent ranges
// are kept apart: the atoms split them anyway).
func (s ipSet) union(r ipRange) ipSet {
	out := slices.Clone(s)
	for _, x := range s {
		if x.lo.Compare(r.hi) <= 0 && r.lo.Compare(x.hi) <= 0 {
			out = out.subtract(x)
			r = ipRange{minAddr(r.lo, x.lo), maxAddr(r.hi, x.hi)}
		}
	}
	out = append(out, r)
	slices.SortFunc(out, func(a, b ipRange) int { return a.lo.Compare(b.lo) })
	return out
}

// subtract removes r from every range of s.
func (s ipSet) subtract(r ipRange) ipSet {
	var out ipSet
	for _, x := range s {
		if x.hi.Compare(r.lo) < 0 || r.hi.Compare(x.lo) < 0 || x.lo.Is4() != r.lo.Is4() {
			out = append(out, x)
			continue
		}
		if x.lo.Compare(r.lo) < 0 {
			out = append(out, ipRange{x.lo, r.lo.Prev()})
		}
		if r.hi.Compare(x.hi) < 0 {
			out = append(out, ipRange{r.hi.Next(), x.hi})
		}
	}
	return out
}

// contains reports whether a is in the set.
func (s ipSet) contains(a netip.Addr) bool {
	a = a.Unmap()
	for _, x := range s {
		if x.lo.Compare(a) <= 0 && a.Compare(x.hi) <= 0 {
			return true
		}
	}
	return false
}

func (s ipSet) key() string {
	out := ""
	for _, r := range s {
		out += r.lo.String() + "-" + r.hi.String() + ","
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

func itoa(n int) string { return strconv.Itoa(n) }
