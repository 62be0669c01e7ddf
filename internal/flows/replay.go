package flows

import (
	"net/netip"
	"sort"

	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/diag"
)

// Blocked is an observed connection the intents would deny, and why.
type Blocked struct {
	Key   Key
	Count int64
	// Verdict is the model's answer, rule by rule (as explain prints it).
	Verdict enforcer.Verdict
	// Why, when set, says why there is no verdict to show: the head of a
	// change has no endpoint for an end the base allowed (Compare).
	Why string
	// ClosedBy names the `closes` entry that means to block the
	// connection, when one does (the gate's, see package gate).
	ClosedBy string
}

// Pair is the blocked connections between two endpoints: addresses
// outside the cluster are grouped by the model's external ranges.
type Pair struct {
	Src, Dst string
	Count    int64
	Conns    []Blocked
}

// Report is a replay: what the intents would do with observed traffic.
type Report struct {
	// Flows, Allowed and Blocked count flows (a connection seen n times
	// counts n); Unresolved the flows whose ends match no endpoint.
	Flows, Replies, Allowed, Blocked, Unresolved int64
	// Conns and BlockedConns count distinct connections.
	Conns, BlockedConns int
	Pairs               []Pair
	// Misses are the unresolved groups, and the connections the model
	// could not evaluate, by reason.
	Misses map[string]*Miss
	// Skipped counts records that are no connection netpolc evaluates.
	Skipped map[string]int64
}

// Replay evaluates every connection of s with m.
func Replay(m *enforcer.Model, s *Set) *Report {
	r := &Report{Flows: s.Flows, Replies: s.Replies, Misses: map[string]*Miss{}, Skipped: s.Skipped}
	for why, miss := range s.Unresolved {
		addMiss(r.Misses, why, miss.Count, miss.First)
		r.Unresolved += miss.Count
	}
	var g grouper
	for _, k := range s.Keys() {
		n := s.Conns[k]
		v, err := m.Verdict(k.Src, k.Dst, k.Protocol, k.Port)
		if err != nil {
			addMiss(r.Misses, "not evaluated: "+err.Error(), n, diag.Pos{})
			r.Unresolved += n
			continue
		}
		r.Conns++
		if v.Allowed {
			r.Allowed += n
			continue
		}
		r.Blocked += n
		r.BlockedConns++
		g.add(m, Blocked{Key: k, Count: n, Verdict: v})
	}
	r.Pairs = g.sorted()
	return r
}

// grouper collects blocked connections into pairs of endpoints.
type grouper struct {
	pairs map[[2]string]*Pair
	at    map[pairConn]int // a connection's index in its pair's Conns
}

type pairConn struct {
	pair [2]string
	key  Key
}

// add files b under its pair, m naming the external ranges. A connection
// added again (records the two sides of a change resolve differently)
// adds to its count.
func (g *grouper) add(m *enforcer.Model, b Blocked) {
	if g.pairs == nil {
		g.pairs, g.at = map[[2]string]*Pair{}, map[pairConn]int{}
	}
	pk := [2]string{group(m, b.Key.Src), group(m, b.Key.Dst)}
	p := g.pairs[pk]
	if p == nil {
		p = &Pair{Src: pk[0], Dst: pk[1]}
		g.pairs[pk] = p
	}
	p.Count += b.Count
	if i, ok := g.at[pairConn{pk, b.Key}]; ok {
		p.Conns[i].Count += b.Count
		return
	}
	g.at[pairConn{pk, b.Key}] = len(p.Conns)
	p.Conns = append(p.Conns, b)
}

// sorted lists the pairs, most flows first, then by name.
func (g *grouper) sorted() []Pair {
	out := make([]Pair, 0, len(g.pairs))
	for _, p := range g.pairs {
		out = append(out, *p)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		return a.Src+"\x00"+a.Dst < b.Src+"\x00"+b.Dst
	})
	return out
}

// group names the pair a connection end belongs to: an address outside
// the cluster by the model's external range holding it, any other end by
// its own name.
func group(m *enforcer.Model, name string) string {
	if m == nil {
		return name
	}
	if a, err := netip.ParseAddr(name); err == nil {
		if r, ok := m.ExternalPeer(a); ok {
			return r
		}
	}
	return name
}
