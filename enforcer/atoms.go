package enforcer

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/netpolc/netpolc/internal/netset"
)

var (
	v4First = netip.AddrFrom4([4]byte{})
	v4Last  = netip.AddrFrom4([4]byte{255, 255, 255, 255})
	v6First = netip.IPv6Unspecified()
	v6Last  = netip.AddrFrom16([16]byte{
		255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255})
)

// atomization splits the address space into the external peers: disjoint
// ranges such that every block either contains a range whole or misses it.
// Both families are always present (with no block at all, one peer each):
// an enforcer sees IPv6 traffic whether or not the policies name an IPv6
// block, and a model without it could not tell `0.0.0.0/0` from every
// address, so a target letting the IPv6 world in where the intents name
// only IPv4 would pass its proof.
type atomization struct {
	atoms      []netset.Range
	blockAtoms [][]int32 // per block: the atoms it contains, ascending
}

// buildAtoms atomizes the address space for the given blocks.
func buildAtoms(blocks []netset.Set) atomization {
	starts := []netip.Addr{v4First, v6First}
	for _, b := range blocks {
		for _, r := range b {
			starts = append(starts, r.First)
			if next := r.Last.Next(); next.IsValid() && next.Is4() == r.Last.Is4() {
				starts = append(starts, next)
			}
		}
	}
	slices.SortFunc(starts, netip.Addr.Compare)
	starts = slices.Compact(starts)
	fine := make([]netset.Range, len(starts))
	for i, s := range starts {
		last := v4Last
		if s.Is6() {
			last = v6Last
		}
		if i+1 < len(starts) && starts[i+1].Is6() == s.Is6() {
			last = starts[i+1].Prev()
		}
		fine[i] = netset.Range{First: s, Last: last}
	}
	return mergeAtoms(fine, membership(fine, blocks), len(blocks))
}

// membership lists, per fine atom, the blocks containing it.
func membership(fine []netset.Range, blocks []netset.Set) [][]int32 {
	members := make([][]int32, len(fine))
	for bi, b := range blocks {
		for _, r := range b {
			i, _ := slices.BinarySearchFunc(fine, r.First, func(a netset.Range, t netip.Addr) int { return a.First.Compare(t) })
			for ; i < len(fine) && fine[i].Last.Compare(r.Last) <= 0 && fine[i].First.Is4() == r.First.Is4(); i++ {
				members[i] = append(members[i], int32(bi))
			}
		}
	}
	return members
}

// mergeAtoms joins neighbouring atoms of one family that every block treats
// alike, so the output names as few external peers as the blocks allow.
func mergeAtoms(fine []netset.Range, members [][]int32, nBlocks int) atomization {
	var at atomization
	at.blockAtoms = make([][]int32, nBlocks)
	prevKey := ""
	for i, r := range fine {
		key := int32Key(members[i])
		n := len(at.atoms)
		if n > 0 && key == prevKey && at.atoms[n-1].Last.Next() == r.First {
			at.atoms[n-1].Last = r.Last
			continue
		}
		prevKey = key
		at.atoms = append(at.atoms, r)
		for _, b := range members[i] {
			at.blockAtoms[b] = append(at.blockAtoms[b], int32(n))
		}
	}
	return at
}

// atomOf finds the atom holding a.
func (at *atomization) atomOf(a netip.Addr) int {
	a = a.Unmap()
	i, found := slices.BinarySearchFunc(at.atoms, a, func(r netset.Range, t netip.Addr) int { return r.First.Compare(t) })
	if found {
		return i
	}
	if i == 0 {
		return -1
	}
	if r := at.atoms[i-1]; r.Last.Compare(a) >= 0 && r.First.Is4() == a.Is4() {
		return i - 1
	}
	return -1
}

func int32Key(xs []int32) string {
	var b strings.Builder
	for _, x := range xs {
		b.WriteString(strconv.Itoa(int(x)))
		b.WriteByte(',')
	}
	return b.String()
}
