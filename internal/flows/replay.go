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
	pairs := map[[2]string]*Pair{}
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
		pk := [2]string{group(m, k.Src), group(m, k.Dst)}
		p := pairs[pk]
		if p == nil {
			p = &Pair{Src: pk[0], Dst: pk[1]}
			pairs[pk] = p
		}
		p.Count += n
		p.Conns = append(p.Conns, Blocked{Key: k, Count: n, Verdict: v})
	}
	for _, p := range pairs {
		r.Pairs = append(r.Pairs, *p)
	}
	sort.Slice(r.Pairs, func(i, j int) bool {
		a, b := r.Pairs[i], r.Pairs[j]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		return a.Src+"\x00"+a.Dst < b.Src+"\x00"+b.Dst
	})
	return r
}

// group names the pair a connection end belongs to: an address outside
// the cluster by the model's external range holding it, any other end by
// its own name.
func group(m *enforcer.Model, name string) string {
	if a, err := netip.ParseAddr(name); err == nil {
		if r, ok := m.ExternalPeer(a); ok {
			return r
		}
	}
	return name
}
