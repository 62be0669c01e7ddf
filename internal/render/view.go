package render

import (
	"slices"
	"strconv"

	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/netset"
	"github.com/netpolc/netpolc/internal/portset"
)

// view is a matrix as the human formats show it (ARCHITECTURE.md §3 keeps
// the exact ranges for json and csv): external peers with identical
// connectivity (the same destinations and ports as a source, the same
// sources and ports as a destination) are one node, named as CIDRs by
// netset.Set.Display ("world", "0.0.0.0/0 except 203.0.113.0/25"). A
// merged peer stands for its lowest range; the others' pairs are left out.
type view struct {
	s *enforcer.Stream
	// Endpoints are the view's nodes: the workloads, then the merged
	// external peers in the order of their lowest range.
	Endpoints []enforcer.Endpoint
	PortSets  []portset.Set
	rep       []int32 // view node → its stream node
	of        []int32 // stream node → view node, -1 if merged into another
	dropped   []int32 // stream source node → external targets left out
	merged    bool    // some peers were merged
	first     int     // the first external node (the same in both)
}

// displayView computes the view of s.
func displayView(s *enforcer.Stream) *view {
	v := &view{s: s, PortSets: s.PortSets, Endpoints: slices.Clone(s.Endpoints)}
	first := firstExternal(s.Endpoints)
	v.first = first
	v.rep, v.of = make([]int32, 0, s.Nodes()), make([]int32, s.Nodes())
	for n := range first {
		v.rep, v.of[n] = append(v.rep, int32(n)), int32(n)
	}
	if first == s.Nodes() {
		return v
	}
	keys := externalKeys(s, first)
	groups, order := map[string][]int{}, []string{}
	var world netset.Set
	for n := first; n < s.Nodes(); n++ {
		r, ok := netset.ParseName(s.Endpoints[n].Name)
		k := keys[n-first]
		if !ok {
			k = "name " + s.Endpoints[n].Name // not a range: never merged
		} else {
			world = append(world, r)
		}
		if _, seen := groups[k]; !seen {
			order = append(order, k)
		}
		groups[k] = append(groups[k], n)
	}
	v.Endpoints = v.Endpoints[:first]
	for _, k := range order {
		g := groups[k]
		v.rep = append(v.rep, int32(g[0]))
		for _, n := range g {
			v.of[n] = -1
		}
		v.of[g[0]] = int32(len(v.Endpoints))
		ep := s.Endpoints[g[0]]
		if set := rangesOf(s, g); set != nil {
			ep.Name = set.Display(world)
		}
		v.Endpoints = append(v.Endpoints, ep)
		v.merged = v.merged || len(g) > 1
	}
	if v.merged {
		v.countDropped(first)
	}
	return v
}

// firstExternal is the index of the first external peer (they come last).
func firstExternal(eps []enforcer.Endpoint) int {
	for n := len(eps); n > 0; n-- {
		if eps[n-1].Kind != enforcer.KindExternal {
			return n
		}
	}
	return 0
}

// rangesOf is the set of the ranges of nodes g, nil if one is no range.
func rangesOf(s *enforcer.Stream, g []int) netset.Set {
	names := make([]string, len(g))
	for i, n := range g {
		names[i] = s.Endpoints[n].Name
	}
	set, _ := RangeSet(names)
	return set
}

// RangeSet is the union of external peers' names ("ip:FIRST-LAST"), or
// false when one is no range (a DNS name).
func RangeSet(names []string) (netset.Set, bool) {
	var set netset.Set
	for _, n := range names {
		r, ok := netset.ParseName(n)
		if !ok {
			return nil, false
		}
		set = append(set, r)
	}
	return set, true
}

// externalKeys is each external peer's connectivity as a string: its
// destinations and their ports, then its sources and their ports (port
// sets by canonical text, so equal sets compare equal).
func externalKeys(s *enforcer.Stream, first int) []string {
	canon := map[string]int{}
	portID := make([]int, len(s.PortSets))
	for i, p := range s.PortSets {
		id, ok := canon[p.String()]
		if !ok {
			id = len(canon)
			canon[p.String()] = id
		}
		portID[i] = id
	}
	keys := make([][]byte, s.Nodes()-first)
	cur := s.Cursor()
	for n := range s.Nodes() {
		targets := cur.Targets(n)
		if n >= first {
			for _, t := range targets {
				keys[n-first] = appendPair(keys[n-first], int(t.Node), portID[t.Ports])
			}
			keys[n-first] = append(keys[n-first], '|')
			continue
		}
		for _, t := range targets[externalFrom(targets, first):] {
			keys[int(t.Node)-first] = appendPair(keys[int(t.Node)-first], n, portID[t.Ports])
		}
	}
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = string(k)
	}
	return out
}

func appendPair(b []byte, node, ports int) []byte {
	b = strconv.AppendInt(b, int64(node), 10)
	b = append(b, ':')
	return append(strconv.AppendInt(b, int64(ports), 10), ',')
}

// externalFrom is the index of the first target that is an external peer.
func externalFrom(targets []enforcer.Target, first int) int {
	i, _ := slices.BinarySearchFunc(targets, int32(first), func(t enforcer.Target, n int32) int { return int(t.Node - n) })
	return i
}

// countDropped counts each workload's external targets merged away.
func (v *view) countDropped(first int) {
	v.dropped = make([]int32, v.s.Nodes())
	cur := v.s.Cursor()
	for n := range first {
		targets := cur.Targets(n)
		for _, t := range targets[externalFrom(targets, first):] {
			if v.of[t.Node] < 0 {
				v.dropped[n]++
			}
		}
	}
}

// Nodes is the number of the view's nodes.
func (v *view) Nodes() int { return len(v.Endpoints) }

// Count is the number of view node n's destinations.
func (v *view) Count(n int) int {
	c := v.s.Count(int(v.rep[n]))
	if v.merged {
		c -= int(v.dropped[v.rep[n]])
	}
	return c
}

// Pairs is the number of the view's pairs.
func (v *view) Pairs() int64 {
	if !v.merged {
		return v.s.Pairs()
	}
	var total int64
	for n := range v.Nodes() {
		total += int64(v.Count(n))
	}
	return total
}

// Reached reports for each view node whether some pair reaches it.
func (v *view) Reached() []bool {
	r := v.s.Reached()
	out := make([]bool, v.Nodes())
	for n, sn := range v.rep {
		out[n] = r[sn]
	}
	return out
}

// chunks cuts the view's source nodes as enforcer.Chunks cuts a stream's.
func (v *view) chunks(pairs int) []enforcer.Chunk {
	var out []enforcer.Chunk
	lo, k := 0, 0
	for n := range v.Nodes() {
		k += v.Count(n) + 1
		if k >= pairs {
			out = append(out, enforcer.Chunk{Lo: lo, Hi: n + 1})
			lo, k = n+1, 0
		}
	}
	if lo < v.Nodes() {
		out = append(out, enforcer.Chunk{Lo: lo, Hi: v.Nodes()})
	}
	return out
}

// viewCursor reads a view's destinations; one per goroutine.
type viewCursor struct {
	v   *view
	cur *enforcer.Cursor
	out []enforcer.Target
}

func (v *view) cursor() *viewCursor { return &viewCursor{v: v, cur: v.s.Cursor()} }

// Targets returns view node n's destinations in order; valid until the
// next call.
func (c *viewCursor) Targets(n int) []enforcer.Target {
	targets := c.cur.Targets(int(c.v.rep[n]))
	if !c.v.merged {
		return targets
	}
	i := externalFrom(targets, c.v.first)
	c.out = append(c.out[:0], targets[:i]...)
	for _, t := range targets[i:] {
		if to := c.v.of[t.Node]; to >= 0 {
			c.out = append(c.out, enforcer.Target{Node: to, Ports: t.Ports})
		}
	}
	return c.out
}
