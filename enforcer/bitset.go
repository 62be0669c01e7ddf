package enforcer

import (
	"math/bits"
	"strconv"
	"strings"
)

// bitset is a set of small non-negative integers.
type bitset []uint64

func (b *bitset) set(i int32) {
	w := int(i / 64)
	for len(*b) <= w {
		*b = append(*b, 0)
	}
	(*b)[w] |= 1 << (i % 64)
}

func (b bitset) has(i int32) bool {
	w := int(i / 64)
	return w < len(b) && b[w]&(1<<(i%64)) != 0
}

// each calls fn on the members in increasing order until fn returns false.
func (b bitset) each(fn func(int32) bool) {
	for wi, w := range b {
		for w != 0 {
			t := bits.TrailingZeros64(w)
			if !fn(int32(wi*64 + t)) {
				return
			}
			w &= w - 1
		}
	}
}

// key is a canonical string of the set's contents.
func (b bitset) key() string {
	var s strings.Builder
	for i, w := range b {
		if w != 0 {
			s.WriteString(strconv.Itoa(i))
			s.WriteByte(':')
			s.WriteString(strconv.FormatUint(w, 36))
			s.WriteByte(',')
		}
	}
	return s.String()
}
