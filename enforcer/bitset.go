package enforcer

import (
	"math/bits"
	"slices"
	"strconv"
	"strings"
)

// bitset is a set of small non-negative integers, kept sparse: only its
// non-zero 64-bit words, by ascending word index. A group's rule peers
// are a handful spread over the whole peer table (tens of thousands of
// ids in a large cluster), so a dense word array per group and direction
// was hundreds of zero words each: 100 MB a model at 20,000 workloads.
type bitset []bitword

// bitword is one non-zero word of a bitset: bits i*64 … i*64+63.
type bitword struct {
	i int32
	w uint64
}

// set adds i. Callers add ids in ascending order, which appends; an id
// below the last word's is inserted in place.
func (b *bitset) set(i int32) {
	wi, bit := i/64, uint64(1)<<(i%64)
	if n := len(*b); n > 0 && (*b)[n-1].i == wi {
		(*b)[n-1].w |= bit
		return
	} else if n == 0 || (*b)[n-1].i < wi {
		*b = append(*b, bitword{wi, bit})
		return
	}
	k, found := b.find(wi)
	if found {
		(*b)[k].w |= bit
		return
	}
	*b = slices.Insert(*b, k, bitword{wi, bit})
}

// find is the position of word wi, or where it would go.
func (b bitset) find(wi int32) (int, bool) {
	return slices.BinarySearchFunc(b, wi, func(x bitword, wi int32) int { return int(x.i - wi) })
}

func (b bitset) has(i int32) bool {
	wi := i / 64
	// Most sets hold a few words: a scan beats the binary search.
	if len(b) <= 8 {
		for _, x := range b {
			if x.i >= wi {
				return x.i == wi && x.w&(1<<(i%64)) != 0
			}
		}
		return false
	}
	k, found := b.find(wi)
	return found && b[k].w&(1<<(i%64)) != 0
}

// each calls fn on the members in increasing order until fn returns false.
func (b bitset) each(fn func(int32) bool) {
	for _, x := range b {
		for w := x.w; w != 0; w &= w - 1 {
			if !fn(x.i*64 + int32(bits.TrailingZeros64(w))) {
				return
			}
		}
	}
}

// key is a canonical string of the set's contents.
func (b bitset) key() string {
	var s strings.Builder
	for _, x := range b {
		s.WriteString(strconv.Itoa(int(x.i)))
		s.WriteByte(':')
		s.WriteString(strconv.FormatUint(x.w, 36))
		s.WriteByte(',')
	}
	return s.String()
}
