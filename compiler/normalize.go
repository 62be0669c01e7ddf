package compiler

import (
	"cmp"
	"slices"
	"sort"
	"strings"

	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/par"
)

// normalize sorts the IR into its canonical order and drops exact
// duplicates (same subject, direction, peer, ports and action), keeping
// the first origin, so output does not depend on CUE field order. It
// returns the copies it dropped, each with its own origin: where a rule
// was written matters beyond the IR (ownership, internal/owners), and a
// copy in another directory is still written there.
func normalize(p *ir.Policy) (merged *ir.Policy) {
	sort.Slice(p.Namespaces, func(i, j int) bool { return p.Namespaces[i].Name < p.Namespaces[j].Name })
	sort.Slice(p.Workloads, func(i, j int) bool {
		a, b := p.Workloads[i], p.Workloads[j]
		return a.Namespace+"/"+a.Name < b.Namespace+"/"+b.Name
	})
	for i := range p.Rules {
		sortPorts(p.Rules[i].Ports)
	}
	merged = &ir.Policy{}
	p.Isolations, merged.Isolations = dedupe(p.Isolations, isolationKey, func(x *ir.Isolation) diag.Pos { return x.Origin.Pos })
	p.Rules, merged.Rules = dedupe(p.Rules, ruleKey, func(r *ir.Rule) diag.Pos { return r.Origin.Pos })
	return merged
}

// dedupe sorts by key then origin and keeps the first of each key; the
// others it returns as dropped (in the same order). Elements of equal key
// and origin keep their order.
func dedupe[T any](xs []T, keyOf func(*T) string, posOf func(*T) diag.Pos) (kept, dropped []T) {
	// The keys are most of normalizing a large set: made on every CPU.
	// The sort moves small entries, not the elements; they are put in
	// order in place after (permute).
	order := make([]dedupeEntry, len(xs))
	const chunk = 1024
	par.For((len(xs)+chunk-1)/chunk, func(c int) {
		for i := c * chunk; i < min(len(xs), (c+1)*chunk); i++ {
			order[i] = dedupeEntry{k: keyOf(&xs[i]), pos: posOf(&xs[i]), i: i}
		}
	})
	slices.SortFunc(order, func(a, b dedupeEntry) int {
		if c := strings.Compare(a.k, b.k); c != 0 {
			return c
		}
		if c := comparePos(a.pos, b.pos); c != 0 {
			return c
		}
		return cmp.Compare(a.i, b.i)
	})
	perm := make([]int, len(order))
	for j, e := range order {
		perm[j] = e.i
	}
	permute(xs, perm)
	out := xs[:0]
	for j := range xs {
		if j > 0 && order[j].k == order[j-1].k {
			dropped = append(dropped, xs[j])
			continue
		}
		out = append(out, xs[j])
	}
	clear(xs[len(out):]) // what was moved down is garbage there
	return out, dropped
}

// dedupeEntry is an element's key, position and index, sorted by dedupe.
type dedupeEntry struct {
	k   string
	pos diag.Pos
	i   int
}

// permute puts xs in the order perm gives (xs[j] becomes the old
// xs[perm[j]]) in place, following each cycle once; it uses perm up.
func permute[T any](xs []T, perm []int) {
	for start := range perm {
		if perm[start] == start {
			continue
		}
		tmp := xs[start]
		j := start
		for {
			k := perm[j]
			perm[j] = j
			if k == start {
				xs[j] = tmp
				break
			}
			xs[j] = xs[k]
			j = k
		}
	}
}

// comparePos orders positions by file, line and column.
func comparePos(a, b diag.Pos) int {
	if c := strings.Compare(a.File, b.File); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Line, b.Line); c != 0 {
		return c
	}
	return cmp.Compare(a.Col, b.Col)
}

// originLess orders origins by position.
func originLess(a, b ir.Origin) bool { return comparePos(a.Pos, b.Pos) < 0 }

// sortPorts orders ports by protocol, number, end and name.
func sortPorts(ps []ir.Port) {
	sort.Slice(ps, func(i, j int) bool {
		a, b := ps[i], ps[j]
		if a.Protocol != b.Protocol {
			return a.Protocol < b.Protocol
		}
		if a.Number != b.Number {
			return a.Number < b.Number
		}
		if a.End != b.End {
			return a.End < b.End
		}
		return a.Name < b.Name
	})
}
