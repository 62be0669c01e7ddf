package gate

import (
	"net/netip"
	"slices"

	"github.com/netpolc/netpolc/internal/netset"

	"github.com/netpolc/netpolc/enforcer"
)

// refine rewrites two matrices over a common set of external ranges: each
// side splits the address space at the ipBlocks it has in play, so the same
// address can sit in differently named ranges on each side. Every range is
// split at the boundaries of both sides; connections to a split range are
// repeated for each piece. Matrices with the same external ranges are
// returned unchanged.
func refine(a, b *enforcer.Connectivity) (*enforcer.Connectivity, *enforcer.Connectivity) {
	ra, rb := externalRanges(a), externalRanges(b)
	if slices.Equal(ra, rb) {
		return a, b
	}
	var cuts []netip.Addr // first addresses of pieces
	for _, r := range append(ra, rb...) {
		cuts = append(cuts, r.First)
		if next := r.Last.Next(); next.IsValid() && next.BitLen() == r.Last.BitLen() {
			cuts = append(cuts, next)
		}
	}
	slices.SortFunc(cuts, func(x, y netip.Addr) int { return x.Compare(y) })
	cuts = slices.Compact(cuts)
	return split(a, cuts), split(b, cuts)
}

// externalRanges lists a matrix's external ranges, sorted.
func externalRanges(c *enforcer.Connectivity) []netset.Range {
	if c == nil {
		return nil
	}
	var out []netset.Range
	for _, ep := range c.Endpoints {
		if r, ok := netset.ParseName(ep.Name); ok {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, netset.Compare)
	return out
}

// split rewrites a matrix's connections over the pieces of its ranges.
func split(c *enforcer.Connectivity, cuts []netip.Addr) *enforcer.Connectivity {
	if c == nil {
		return nil
	}
	pieces := map[string][]string{}
	for _, ep := range c.Endpoints {
		if r, ok := netset.ParseName(ep.Name); ok {
			pieces[ep.Name] = piecesOf(r, cuts)
		}
	}
	out := &enforcer.Connectivity{Endpoints: c.Endpoints}
	one := func(name string) []string {
		if p, ok := pieces[name]; ok {
			return p
		}
		return []string{name}
	}
	for _, conn := range c.Connections {
		for _, s := range one(conn.Src) {
			for _, d := range one(conn.Dst) {
				out.Connections = append(out.Connections, enforcer.Connection{Src: s, Dst: d, Ports: conn.Ports})
			}
		}
	}
	out.Sort()
	return out
}

// piecesOf splits a range at every cut inside it.
func piecesOf(r netset.Range, cuts []netip.Addr) []string {
	var out []string
	lo := r.First
	i, _ := slices.BinarySearchFunc(cuts, lo, func(x, y netip.Addr) int { return x.Compare(y) })
	for ; i < len(cuts) && cuts[i].Compare(r.Last) <= 0; i++ {
		if cuts[i].Compare(lo) <= 0 || cuts[i].BitLen() != lo.BitLen() {
			continue
		}
		out = append(out, netset.Range{First: lo, Last: cuts[i].Prev()}.String())
		lo = cuts[i]
	}
	return append(out, netset.Range{First: lo, Last: r.Last}.String())
}

// mergeRanges joins flows to adjacent external pieces that changed alike
// (same change, same other end, same ports before and after), so a diff
// does not show the seams refine introduced.
func mergeRanges(flows []Flow) []Flow {
	type key struct {
		change        Change
		other         string
		ipIsSrc       bool
		before, after string
	}
	groups := map[key][]int{}
	var out []Flow
	for i, f := range flows {
		_, srcIP := netset.ParseName(f.Src)
		_, dstIP := netset.ParseName(f.Dst)
		if !srcIP && !dstIP {
			out = append(out, f)
			continue
		}
		k := key{change: f.Change, other: f.Src, ipIsSrc: srcIP, before: f.Before.String(), after: f.After.String()}
		if srcIP {
			k.other = f.Dst
		}
		groups[k] = append(groups[k], i)
	}
	for k, idx := range groups {
		rangeOf := func(i int) netset.Range {
			name := flows[i].Dst
			if k.ipIsSrc {
				name = flows[i].Src
			}
			r, _ := netset.ParseName(name)
			return r
		}
		slices.SortFunc(idx, func(x, y int) int { return rangeOf(x).First.Compare(rangeOf(y).First) })
		cur := flows[idx[0]]
		r := rangeOf(idx[0])
		flush := func() {
			if k.ipIsSrc {
				cur.Src = r.String()
			} else {
				cur.Dst = r.String()
			}
			out = append(out, cur)
		}
		for _, i := range idx[1:] {
			next := rangeOf(i)
			if n := r.Last.Next(); n.IsValid() && n == next.First {
				r.Last = next.Last
				continue
			}
			flush()
			cur, r = flows[i], next
		}
		flush()
	}
	return out
}
