package enforcer

import "slices"

// Cursor reads a Stream's destinations, source node by source node. Nodes
// of one source class share their destinations (but themselves), so a
// cursor keeps the sorted destinations of the classes it met, within a
// bounded budget: reading the nodes in order, as the formats do, computes
// each class's list about once. A Cursor is for one goroutine.
type Cursor struct {
	s     *Stream
	lists map[int32][]Target // source class → its destinations, ascending
	held  int                // Targets in lists
	keys  []uint64
	mark  []int32
	out   []Target
}

// cursorBudget is how many Targets (8 bytes each) a cursor keeps.
var cursorBudget = 1 << 21

// Cursor returns a new cursor over s.
func (s *Stream) Cursor() *Cursor {
	return &Cursor{s: s, lists: map[int32][]Target{}}
}

// Targets returns the destinations of source node n in canonical order,
// itself excluded, and no external peer when n is one. The slice is the
// cursor's: valid until the next call, not to be modified.
func (c *Cursor) Targets(n int) []Target {
	list := c.classList(c.s.src[n])
	if c.s.External(n) {
		i, _ := slices.BinarySearchFunc(list, int32(c.s.external), compareTarget)
		return list[:i]
	}
	i, self := slices.BinarySearchFunc(list, int32(n), compareTarget)
	if !self {
		return list
	}
	c.out = append(append(c.out[:0], list[:i]...), list[i+1:]...)
	return c.out
}

func compareTarget(t Target, n int32) int { return int(t.Node - n) }

// classList returns the destinations of every node of source class sc,
// ascending, computing them unless held.
func (c *Cursor) classList(sc int32) []Target {
	if l, ok := c.lists[sc]; ok {
		return l
	}
	total := int(c.s.reach[sc])
	var l []Target
	if total*16 > c.s.Nodes() {
		l = c.scan(sc, total)
	} else {
		l = c.sorted(sc, total)
	}
	if c.held+total > cursorBudget {
		clear(c.lists)
		c.held = 0
	}
	if total <= cursorBudget {
		c.lists[sc] = l
		c.held += total
	}
	return l
}

// sorted gathers the destination classes' nodes and sorts them: for rows
// reaching few nodes.
func (c *Cursor) sorted(sc int32, total int) []Target {
	keys := c.keys[:0]
	for _, r := range c.s.rows[sc] {
		for _, n := range c.s.members[r.class] {
			keys = append(keys, uint64(n)<<32|uint64(r.ports))
		}
	}
	slices.Sort(keys)
	l := make([]Target, total)
	for i, k := range keys {
		l[i] = Target{Node: int32(k >> 32), Ports: int32(uint32(k))}
	}
	c.keys = keys
	return l
}

// scan marks the destination nodes on a dense array and reads it in
// order: for rows reaching a good part of the matrix.
func (c *Cursor) scan(sc int32, total int) []Target {
	if c.mark == nil {
		c.mark = make([]int32, c.s.Nodes())
	}
	for _, r := range c.s.rows[sc] {
		for _, n := range c.s.members[r.class] {
			c.mark[n] = r.ports + 1
		}
	}
	l := make([]Target, 0, total)
	for n, p := range c.mark {
		if p != 0 {
			l = append(l, Target{Node: int32(n), Ports: p - 1})
			c.mark[n] = 0
		}
	}
	return l
}
