package portset

import "testing"

// bitmap is the obviously-correct reference model: one bit per
// (protocol, port).
type bitmap [numProtocols][(MaxPort + 1 + 63) / 64]uint64

func toBitmap(s Set) *bitmap {
	var b bitmap
	for _, p := range Protocols {
		for _, r := range s.Ranges(p) {
			for port := int(r.First); port <= int(r.Last); port++ {
				b[p-1][port/64] |= 1 << (port % 64)
			}
		}
	}
	return &b
}

func (b *bitmap) op(c *bitmap, f func(x, y uint64) uint64) *bitmap {
	var out bitmap
	for p := range b {
		for i := range b[p] {
			out[p][i] = f(b[p][i], c[p][i])
		}
	}
	return &out
}

// setFromBytes decodes fuzz input into a set: each 5 bytes are a protocol
// and a port range.
func setFromBytes(data []byte) Set {
	var s Set
	for len(data) >= 5 {
		proto := Protocols[data[0]%numProtocols]
		first := int32(data[1])<<8 | int32(data[2])
		last := first + int32(data[3])<<4 + int32(data[4])%16
		if data[0] >= 250 {
			s = s.Union(AllPorts(proto))
		}
		s = s.Union(PortRange(proto, first, last))
		data = data[5:]
	}
	return s
}

// checkCanonical verifies the invariants every Set must keep.
func checkCanonical(t *testing.T, s Set) {
	t.Helper()
	empty := true
	for _, p := range Protocols {
		rs := s.Ranges(p)
		for i, r := range rs {
			empty = false
			if r.First < MinPort || r.First > r.Last {
				t.Fatalf("bad range %v in %v", r, s)
			}
			if i > 0 && int(rs[i-1].Last)+1 >= int(r.First) {
				t.Fatalf("unmerged ranges %v %v in %v", rs[i-1], r, s)
			}
		}
	}
	if empty != s.IsEmpty() {
		t.Fatalf("IsEmpty=%v but ranges empty=%v", s.IsEmpty(), empty)
	}
	if s.IsAll() != (*toBitmap(s) == *toBitmap(All())) {
		t.Fatalf("IsAll=%v disagrees with contents of %v", s.IsAll(), s)
	}
}

func FuzzAlgebra(f *testing.F) {
	f.Add([]byte{0, 0, 80, 0, 0}, []byte{0, 0, 81, 0, 0})
	f.Add([]byte{0, 0, 1, 255, 15, 1, 0, 53, 0, 0}, []byte{255, 0, 0, 0, 0})
	f.Add([]byte{2, 35, 40, 6, 4}, []byte{2, 35, 41, 0, 3, 0, 255, 255, 0, 0})
	f.Fuzz(func(t *testing.T, x, y []byte) {
		a, b := setFromBytes(x), setFromBytes(y)
		ba, bb := toBitmap(a), toBitmap(b)
		for _, tc := range []struct {
			name string
			got  Set
			want *bitmap
		}{
			{"union", a.Union(b), ba.op(bb, func(x, y uint64) uint64 { return x | y })},
			{"intersect", a.Intersect(b), ba.op(bb, func(x, y uint64) uint64 { return x & y })},
			{"subtract", a.Subtract(b), ba.op(bb, func(x, y uint64) uint64 { return x &^ y })},
		} {
			checkCanonical(t, tc.got)
			if *toBitmap(tc.got) != *tc.want {
				t.Fatalf("%s(%v, %v) = %v: wrong contents", tc.name, a, b, tc.got)
			}
		}
		if a.Overlaps(b) != !a.Intersect(b).IsEmpty() {
			t.Fatalf("Overlaps(%v, %v) = %v", a, b, a.Overlaps(b))
		}
		if a.Equal(b) != (*ba == *bb) {
			t.Fatalf("Equal(%v, %v) = %v", a, b, a.Equal(b))
		}
		if !a.Union(b).Equal(b.Union(a)) || !a.Intersect(b).Equal(b.Intersect(a)) {
			t.Fatalf("not commutative for %v, %v", a, b)
		}
		if !a.Subtract(b).Union(a.Intersect(b)).Equal(a) {
			t.Fatalf("(a−b) ∪ (a∩b) ≠ a for %v, %v", a, b)
		}
		if back, err := Parse(a.String()); err != nil || !back.Equal(a) {
			t.Fatalf("Parse(String(%v)) = %v, %v", a, back, err)
		}
		checkInterner(t, a, b)
	})
}

// checkInterner verifies that an Interner's unions are Union's, canonical,
// and shared: the same union twice, or its mirror, is one set in memory.
func checkInterner(t *testing.T, a, b Set) {
	in := NewInterner()
	u := in.Union(a, b)
	checkCanonical(t, u)
	if !u.Equal(a.Union(b)) {
		t.Fatalf("Interner.Union(%v, %v) = %v, want %v", a, b, u, a.Union(b))
	}
	// A fresh copy of each input misses the pointer shortcuts.
	ac, bc := setFromParse(t, a), setFromParse(t, b)
	if v := in.Union(bc, ac); v.d != u.d && !(v.IsAll() && u.IsAll()) && !(v.d == ac.d || v.d == bc.d) {
		t.Fatalf("Interner.Union(%v, %v) again built a new set", b, a)
	}
	var nilIn *Interner
	if !nilIn.Union(a, b).Equal(u) {
		t.Fatalf("nil Interner.Union(%v, %v) differs", a, b)
	}
}

// setFromParse is a copy of s that shares no memory with it.
func setFromParse(t *testing.T, s Set) Set {
	c, err := Parse(s.String())
	if err != nil {
		t.Fatal(err)
	}
	return c
}
