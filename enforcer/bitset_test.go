package enforcer

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// denseKey is the key the dense word array had: the non-zero words as
// "index:word36,", which the sparse set must reproduce.
func denseKey(members map[int32]bool) string {
	words := map[int32]uint64{}
	for i := range members {
		words[i/64] |= 1 << (i % 64)
	}
	idx := make([]int32, 0, len(words))
	for i := range words {
		idx = append(idx, i)
	}
	slices.Sort(idx)
	var s strings.Builder
	for _, i := range idx {
		s.WriteString(strconv.Itoa(int(i)) + ":" + strconv.FormatUint(words[i], 36) + ",")
	}
	return s.String()
}

// TestBitsetAgainstMap checks set, has, each and key against a map, with
// ids added in ascending order (as the model does) and in any order.
func TestBitsetAgainstMap(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := range 500 {
		span := int32(1 + r.IntN(5000))
		var ids []int32
		for range r.IntN(40) {
			ids = append(ids, r.Int32N(span))
		}
		if round%2 == 0 {
			slices.Sort(ids)
		}
		var b bitset
		want := map[int32]bool{}
		for _, id := range ids {
			b.set(id)
			want[id] = true
		}
		for i := range span + 64 {
			if b.has(i) != want[i] {
				t.Fatalf("round %d: has(%d) = %v, want %v", round, i, b.has(i), want[i])
			}
		}
		var got []int32
		b.each(func(i int32) bool { got = append(got, i); return true })
		wantList := make([]int32, 0, len(want))
		for i := range want {
			wantList = append(wantList, i)
		}
		slices.Sort(wantList)
		if !slices.Equal(got, wantList) {
			t.Fatalf("round %d: each = %v, want %v", round, got, wantList)
		}
		if b.key() != denseKey(want) {
			t.Fatalf("round %d: key = %q, want %q", round, b.key(), denseKey(want))
		}
	}
}
