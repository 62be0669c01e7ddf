package flows

import (
	"cmp"
	"maps"
	"slices"

	"github.com/netpolc/netpolc/enforcer"
)

// Change is observed traffic against the two sides of a change: which
// observed connections the base allows and the head does not (newly
// blocked), and what could not be judged.
type Change struct {
	// Flows counts the flow records read (aggregated ones by their count),
	// Replies the reply records (no connections of their own).
	Flows, Replies int64
	// Allowed counts the flows the head allows; AlreadyBlocked those both
	// sides deny (not this change's doing); Blocked those newly blocked.
	Allowed, AlreadyBlocked, Blocked int64
	// BlockedConns counts the distinct newly blocked connections, Pairs
	// groups them by endpoint pair (as Replay does), with the head's
	// verdict.
	BlockedConns int
	Pairs        []Pair
	// Unresolved counts the flows neither side can evaluate; Misses
	// lists them by reason, with their first position.
	Unresolved int64
	Misses     map[string]*Miss
	// Skipped counts records that are no connection netpolc evaluates.
	Skipped map[string]int64
}

// Compare judges every record of s (read by NewCompareReader) at both
// sides; a nil base is one without policies (everything allowed). A record is newly blocked when the head does not allow it and
// the base does not demonstrably deny it: the base allows it while the
// head denies it or has no endpoint for it (a change that drops a
// workload cannot hide the traffic it made), or the base has no endpoint
// for it and the head denies it (fail closed: the traffic was observed,
// and nothing shows the base blocked it).
func Compare(base, head *enforcer.Model, s *Set) *Change {
	c := &Change{Flows: s.Flows, Replies: s.Replies, Misses: map[string]*Miss{}, Skipped: s.Skipped}
	var g grouper
	for _, k := range sortedBoth(s.Both) {
		m := s.Both[k]
		b, bOK := judge(base, k.Base)
		h, hOK := judge(head, k.Head)
		switch {
		case !bOK && !hOK:
			addMiss(c.Misses, bothMissed(b.why, h.why), m.Count, m.First)
			c.Unresolved += m.Count
		case hOK && h.v.Allowed:
			c.Allowed += m.Count
		case bOK && !b.v.Allowed:
			c.AlreadyBlocked += m.Count
		case hOK:
			g.add(head, Blocked{Key: k.Head.Key, Count: m.Count, Verdict: h.v, Why: noteBase(bOK, b.why)})
			c.Blocked += m.Count
			c.BlockedConns++
		default: // the base allows it, the head cannot evaluate it
			g.add(base, Blocked{Key: k.Base.Key, Count: m.Count, Why: "the head has no endpoint for it: " + h.why})
			c.Blocked += m.Count
			c.BlockedConns++
		}
	}
	c.Pairs = g.sorted()
	return c
}

// judgement is one side's verdict on a record, or why it has none.
type judgement struct {
	v   enforcer.Verdict
	why string
}

// judge evaluates an outcome with a side's model; a nil model is a side
// without policies, which allows every connection.
func judge(m *enforcer.Model, o Outcome) (judgement, bool) {
	if o.Miss != "" {
		return judgement{why: o.Miss}, false
	}
	if m == nil {
		return judgement{v: enforcer.Verdict{Allowed: true}}, true
	}
	v, err := m.Verdict(o.Key.Src, o.Key.Dst, o.Key.Protocol, o.Key.Port)
	if err != nil {
		return judgement{why: "not evaluated: " + err.Error()}, false
	}
	return judgement{v: v}, true
}

// bothMissed says why neither side evaluates a record.
func bothMissed(base, head string) string {
	if base == head {
		return "base and head: " + base
	}
	return "base: " + base + "; head: " + head
}

// noteBase says, for a record the head denies, that the base could not
// evaluate it ("" when the base allowed it).
func noteBase(ok bool, why string) string {
	if ok {
		return ""
	}
	return "the base has no endpoint for it (" + why + "): blocked at the head"
}

// sortedBoth lists the records in a stable order.
func sortedBoth(m map[Both]*Miss) []Both {
	return slices.SortedFunc(maps.Keys(m), func(a, b Both) int {
		return cmp.Or(compareOutcome(a.Head, b.Head), compareOutcome(a.Base, b.Base))
	})
}

func compareOutcome(a, b Outcome) int {
	return cmp.Or(cmp.Compare(a.Miss, b.Miss), compareKeys(a.Key, b.Key))
}
