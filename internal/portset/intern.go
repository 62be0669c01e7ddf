package portset

import "hash/maphash"

// Interner builds unions without allocating a set equal to one it built
// before: a matrix row of 100,000 pods takes millions of unions whose
// results are a few thousand distinct sets, and keeping one copy of each
// cut the live heap of the 100k matrix from 880 MB to a few MB of sets.
// The zero Interner is not ready: use NewInterner. A nil *Interner is
// valid and builds every union afresh. An Interner is not safe for
// concurrent use.
type Interner struct {
	seed maphash.Seed
	sets map[uint64][]Set
	buf  [numProtocols][]Range
	cand data // buf as a set, to compare without allocating
}

// NewInterner returns an empty Interner.
func NewInterner() *Interner {
	return &Interner{seed: maphash.MakeSeed(), sets: map[uint64][]Set{}}
}

// Union is s.Union(t), the same set of ports, shared with every equal
// union this Interner gave before.
func (in *Interner) Union(s, t Set) Set {
	if in == nil {
		return s.Union(t)
	}
	if u, ok := unionOfInputs(s, t); ok {
		return u // nothing is built
	}
	for i := range in.buf {
		in.buf[i] = unionInto(in.buf[i][:0], s.d.r[i], t.d.r[i])
	}
	return in.intern()
}

// intern returns the shared set equal to in.buf, keeping a copy of buf
// when it is new. buf is never empty here (a union of non-empty sets);
// it may be All (TCP from one set, UDP and SCTP from the other).
func (in *Interner) intern() Set {
	in.cand = data{r: in.buf}
	if allRanges(&in.cand.r) {
		return all
	}
	var h maphash.Hash
	h.SetSeed(in.seed)
	for i := range in.buf {
		for _, r := range in.buf[i] {
			h.WriteByte(byte(i))
			h.WriteByte(byte(r.First >> 8))
			h.WriteByte(byte(r.First))
			h.WriteByte(byte(r.Last >> 8))
			h.WriteByte(byte(r.Last))
		}
	}
	key := h.Sum64()
	for _, s := range in.sets[key] {
		if s.Equal(Set{&in.cand}) {
			return s
		}
	}
	s := build(func(i int) []Range { return append([]Range(nil), in.buf[i]...) })
	in.sets[key] = append(in.sets[key], s)
	return s
}
