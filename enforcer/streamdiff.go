package enforcer

import (
	"slices"

	"github.com/netpolc/netpolc/internal/par"
)

// StreamDiff is the difference between two streams' matrices (a before,
// b after) as their class tables give it: the pairs of joint classes
// whose ports differ, a joint class being the nodes that have one class
// in a and one in b. Counting and judging it cost the classes; only
// Delta lists pairs. Intents that leave 20,000 workloads open to each
// other allow 400 million pairs: compared as classes, a proof of them
// holds neither matrix.
type StreamDiff struct {
	a, b       *Stream
	srcOf      []int32      // node → joint source class
	dstMembers [][]int32    // joint destination class → its nodes, ascending
	cells      [][]diffCell // joint source class → its differing cells
	pairs      int64
	wider      bool
}

// diffCell is a joint destination class whose ports from a joint source
// class differ: the port set in a and in b (-1: no pair), and the pairs
// it stands for.
type diffCell struct {
	dst    int32
	pa, pb int32
	pairs  int64
}

// jointKey is a node's classes in both streams.
type jointKey struct {
	a, b int32
	ext  bool
}

// DiffStreams compares two streams over the same nodes (the same
// endpoint names in the same order, external from the same node on); ok
// is false when they are not, for the caller to compare matrices.
func DiffStreams(a, b *Stream) (d *StreamDiff, ok bool) {
	if a.Nodes() != b.Nodes() || a.external != b.external {
		return nil, false
	}
	for n := range a.Endpoints {
		if a.Endpoints[n].Name != b.Endpoints[n].Name {
			return nil, false
		}
	}
	d = &StreamDiff{a: a, b: b}
	srcOf, srcKeys, srcMembers := joint(a.Nodes(), func(n int) jointKey { return jointKey{a.src[n], b.src[n], a.External(n)} })
	dstOf, dstKeys, dstMembers := joint(a.Nodes(), func(n int) jointKey { return jointKey{a.dst[n], b.dst[n], a.External(n)} })
	d.srcOf, d.dstMembers = srcOf, dstMembers
	byA := make([][]int32, len(a.members)) // a's destination class → joint classes
	byB := make([][]int32, len(b.members))
	for jd, k := range dstKeys {
		byA[k.a] = append(byA[k.a], int32(jd))
		byB[k.b] = append(byB[k.b], int32(jd))
	}
	// self[js][jd] counts the nodes of source class js in destination
	// class jd: a node is no pair with itself.
	self := make([]map[int32]int64, len(srcKeys))
	for n, js := range srcOf {
		if self[js] == nil {
			self[js] = map[int32]int64{}
		}
		self[js][dstOf[n]]++
	}
	same := samePortSets(a, b)
	d.cells = make([][]diffCell, len(srcKeys))
	par.For(len(srcKeys), func(js int) {
		k := srcKeys[js]
		var cells []diffCell
		for _, ra := range a.rows[k.a] {
			for _, jd := range byA[ra.class] {
				if k.ext && dstKeys[jd].ext {
					continue // no pairs between external peers
				}
				rb, found := b.find(k.b, dstKeys[jd].b)
				switch {
				case !found:
					cells = append(cells, diffCell{dst: jd, pa: ra.ports, pb: -1})
				case !same(ra.ports, rb.ports):
					cells = append(cells, diffCell{dst: jd, pa: ra.ports, pb: rb.ports})
				}
			}
		}
		for _, rb := range b.rows[k.b] {
			for _, jd := range byB[rb.class] {
				if k.ext && dstKeys[jd].ext {
					continue
				}
				if _, found := a.find(k.a, dstKeys[jd].a); !found {
					cells = append(cells, diffCell{dst: jd, pa: -1, pb: rb.ports})
				}
			}
		}
		for i := range cells {
			c := &cells[i]
			c.pairs = int64(len(srcMembers[js]))*int64(len(dstMembers[c.dst])) - self[js][c.dst]
		}
		d.cells[js] = slices.DeleteFunc(cells, func(c diffCell) bool { return c.pairs == 0 })
	})
	for _, cells := range d.cells {
		for _, c := range cells {
			d.pairs += c.pairs
			if c.pb >= 0 && (c.pa < 0 || !b.PortSets[c.pb].Subtract(a.PortSets[c.pa]).IsEmpty()) {
				d.wider = true
			}
		}
	}
	return d, true
}

// joint numbers the distinct keys of n nodes in order of first node:
// each node's joint class, the classes' keys and their nodes (ascending).
func joint(n int, key func(int) jointKey) (of []int32, keys []jointKey, members [][]int32) {
	of = make([]int32, n)
	index := map[jointKey]int32{}
	for i := range n {
		k := key(i)
		j, ok := index[k]
		if !ok {
			j = int32(len(keys))
			index[k] = j
			keys = append(keys, k)
			members = append(members, nil)
		}
		of[i] = j
		members[j] = append(members[j], int32(i))
	}
	return of, keys, members
}

// samePortSets reports whether port set i of a is port set j of b.
func samePortSets(a, b *Stream) func(i, j int32) bool {
	index := make(map[string]int32, len(b.PortSets))
	for j, p := range b.PortSets {
		index[p.String()] = int32(j)
	}
	inB := make([]int32, len(a.PortSets)) // a's set → b's equal set, or -1
	for i, p := range a.PortSets {
		j, ok := index[p.String()]
		if !ok {
			j = -1
		}
		inB[i] = j
	}
	return func(i, j int32) bool { return inB[i] == j }
}

// Empty reports whether the matrices agree.
func (d *StreamDiff) Empty() bool { return d.pairs == 0 }

// Pairs is the number of pairs whose ports differ: the length of Delta's
// lists together.
func (d *StreamDiff) Pairs() int64 { return d.pairs }

// Wider reports whether b allows something a does not.
func (d *StreamDiff) Wider() bool { return d.wider }

// Delta lists the differing pairs, as Diff of the two matrices does.
func (d *StreamDiff) Delta() *Delta {
	out := &Delta{}
	var changes []streamChange
	for n, js := range d.srcOf {
		changes = changes[:0]
		for _, c := range d.cells[js] {
			for _, m := range d.dstMembers[c.dst] {
				if int(m) != n {
					changes = append(changes, streamChange{m, c.pa, c.pb})
				}
			}
		}
		slices.SortFunc(changes, func(x, y streamChange) int { return int(x.dst - y.dst) })
		for _, c := range changes {
			ch := Change{Src: d.a.Endpoints[n].Name, Dst: d.a.Endpoints[c.dst].Name}
			if c.pa >= 0 {
				ch.Before = d.a.PortSets[c.pa]
			}
			if c.pb >= 0 {
				ch.After = d.b.PortSets[c.pb]
			}
			switch {
			case c.pa < 0:
				out.Opened = append(out.Opened, ch)
			case c.pb < 0:
				out.Closed = append(out.Closed, ch)
			default:
				out.Changed = append(out.Changed, ch)
			}
		}
	}
	return out
}

// streamChange is one differing pair of a source node.
type streamChange struct {
	dst    int32
	pa, pb int32
}
