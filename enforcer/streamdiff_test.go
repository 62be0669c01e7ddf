package enforcer

import (
	"math/rand/v2"
	"reflect"
	"testing"
)

// TestDiffStreamsIsDiff: comparing two models' class tables gives the
// delta Diff gives of their matrices, pair for pair and in order, and
// the same count and judgement, over random inventories and pairs of
// random policy sets (those whose models name the same nodes; the rest
// are refused, for the caller to compare matrices).
func TestDiffStreamsIsDiff(t *testing.T) {
	compared, differing := 0, 0
	for seed := range uint64(1000) {
		r := rand.New(rand.NewPCG(seed, 11))
		inv := randomInventory(r)
		a, err := New(inv, randomPolicies(t, r))
		if err != nil {
			t.Fatal(err)
		}
		b, err := New(inv, randomPolicies(t, r))
		if err != nil {
			t.Fatal(err)
		}
		for _, pair := range [][2]*Model{{a, b}, {b, a}, {a, a}} {
			sd, ok := DiffStreams(pair[0].Stream(), pair[1].Stream())
			want := Diff(pair[0].Matrix(), pair[1].Matrix())
			if !ok {
				if sameNames(pair[0].Matrix(), pair[1].Matrix()) {
					t.Fatalf("seed %d: refused two streams over the same nodes", seed)
				}
				continue
			}
			compared++
			got := sd.Delta()
			if !reflect.DeepEqual(normalDelta(got), normalDelta(want)) {
				t.Fatalf("seed %d: stream delta\n%+v\nDiff\n%+v", seed, got, want)
			}
			n := int64(len(want.Opened) + len(want.Closed) + len(want.Changed))
			if sd.Pairs() != n || sd.Empty() != want.Empty() || sd.Wider() != want.Wider() {
				t.Fatalf("seed %d: %d pairs (Diff: %d), empty %t, wider %t (Diff: %t)", seed, sd.Pairs(), n, sd.Empty(), sd.Wider(), want.Wider())
			}
			if n > 0 {
				differing++
			}
		}
	}
	if compared < 1000 || differing < 150 {
		t.Fatalf("compared %d pairs of streams, %d of them differing: the cases test too little", compared, differing)
	}
}

func sameNames(a, b *Connectivity) bool {
	if len(a.Endpoints) != len(b.Endpoints) {
		return false
	}
	for i := range a.Endpoints {
		if a.Endpoints[i].Name != b.Endpoints[i].Name {
			return false
		}
	}
	return true
}

// normalDelta prints port sets, which compare by value only as text.
func normalDelta(d *Delta) [3][][4]string {
	var out [3][][4]string
	for i, l := range [][]Change{d.Opened, d.Closed, d.Changed} {
		for _, c := range l {
			out[i] = append(out[i], [4]string{c.Src, c.Dst, c.Before.String(), c.After.String()})
		}
	}
	return out
}
