package compiler

import (
	"encoding/json"
	"sort"

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
	p.Isolations, merged.Isolations = dedupe(p.Isolations, func(x ir.Isolation) (string, ir.Origin) {
		return key(x.Subject) + key(x.Direction), x.Origin
	})
	p.Rules, merged.Rules = dedupe(p.Rules, func(r ir.Rule) (string, ir.Origin) {
		return key(r.Subject) + key(r.Direction) + key(r.Peer) + key(r.Ports) + key(r.Action), r.Origin
	})
	return merged
}

// dedupe sorts by key then origin and keeps the first of each key; the
// others it returns as dropped (in the same order).
func dedupe[T any](xs []T, keyOf func(T) (string, ir.Origin)) (kept, dropped []T) {
	type item struct {
		k string
		o ir.Origin
		x T
	}
	// The keys are JSON text, the most of normalizing a large set: made
	// on every CPU.
	items := make([]item, len(xs))
	const chunk = 1024
	par.For((len(xs)+chunk-1)/chunk, func(c int) {
		for i := c * chunk; i < min(len(xs), (c+1)*chunk); i++ {
			k, o := keyOf(xs[i])
			items[i] = item{k, o, xs[i]}
		}
	})
	sort.SliceStable(items, func(i, j int) bool {
		if items[i].k != items[j].k {
			return items[i].k < items[j].k
		}
		return originLess(items[i].o, items[j].o)
	})
	out := xs[:0]
	for i, it := range items {
		if i > 0 && it.k == items[i-1].k {
			dropped = append(dropped, it.x)
			continue
		}
		out = append(out, it.x)
	}
	return out, dropped
}

func originLess(a, b ir.Origin) bool {
	if a.File != b.File {
		return a.File < b.File
	}
	if a.Line != b.Line {
		return a.Line < b.Line
	}
	return a.Col < b.Col
}

// key is a canonical string of a value (JSON sorts map keys).
func key(v any) string {
	data, _ := json.Marshal(v)
	return string(data) + "\x00"
}

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
