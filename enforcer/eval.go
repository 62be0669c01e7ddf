package enforcer

import (
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/portset"
)

// dirQuery is one direction of a connection as the policies see it: the
// policies selecting the subject (source for egress, destination for
// ingress), the rule peers the other end matches, and the destination's
// named ports (nil when the destination is an external address).
type dirQuery struct {
	subj     []int32
	peer     bitset
	dstPorts []dstPort
	unknown  bool // the other end is the unknown ingress controller (edge.go)
}

// matches reports whether the other end matches any of a rule's peers.
func (q *dirQuery) matches(peers []int32) bool {
	for _, p := range peers {
		if q.peer.has(p) {
			return true
		}
	}
	return false
}

// evalState tracks an ordered tier: the ports still undecided, and those
// allowed or passed on so far.
type evalState struct {
	undecided, allowed, passed portset.Set
}

// evalDir is the whole evaluation of one direction, restricted to query:
// admin tier, NetworkPolicy tier, baseline tier, default allow. It returns
// the allowed part of query. When tr is non-nil it records the policies
// and rules involved, and the deciding layer (meaningful for single-port
// queries).
func (m *Model) evalDir(d dir, q *dirQuery, query portset.Set, tr *DirectionVerdict) portset.Set {
	admin, np, base := m.split(q.subj)
	st := evalState{undecided: query}
	m.ordered(admin, d, q, &st, tr)
	rest := st.undecided.Union(st.passed)
	if rest.IsEmpty() {
		tr.setLayer(LayerAdmin)
		return st.allowed
	}
	if m.isolated(np, d, tr) {
		tr.setLayer(LayerNetworkPolicy)
		return st.allowed.Union(m.npAllowed(np, d, q, rest, tr))
	}
	bst := evalState{undecided: rest}
	m.ordered(base, d, q, &bst, tr)
	def := bst.undecided.Union(bst.passed)
	if def.IsEmpty() {
		tr.setLayer(LayerBaseline)
	} else {
		tr.setLayer(LayerDefault)
	}
	return st.allowed.Union(bst.allowed).Union(def)
}

// split cuts an evaluation-ordered policy list into its tiers.
func (m *Model) split(subj []int32) (admin, np, base []int32) {
	i := 0
	for i < len(subj) && m.pols[subj[i]].ref.Layer == LayerAdmin {
		i++
	}
	j := i
	for j < len(subj) && m.pols[subj[j]].ref.Layer == LayerNetworkPolicy {
		j++
	}
	return subj[:i], subj[i:j], subj[j:]
}

// ordered runs a first-match tier: each rule decides the still-undecided
// ports it matches.
func (m *Model) ordered(pols []int32, d dir, q *dirQuery, st *evalState, tr *DirectionVerdict) {
	for _, pi := range pols {
		for i := range m.pols[pi].rules[d] {
			if st.undecided.IsEmpty() {
				return
			}
			r := &m.pols[pi].rules[d][i]
			action, ok := q.decide(r)
			if !ok {
				continue
			}
			hit := r.ports.resolve(q.dstPorts).Intersect(st.undecided)
			if hit.IsEmpty() {
				continue
			}
			st.undecided = st.undecided.Subtract(hit)
			switch action {
			case ir.Allow:
				st.allowed = st.allowed.Union(hit)
			case ir.Pass:
				st.passed = st.passed.Union(hit)
			}
			ref := r.ref
			ref.Action = action
			tr.record(ref)
		}
	}
}

// isolated reports whether some NetworkPolicy-tier policy isolates the
// subject in direction d.
func (m *Model) isolated(np []int32, d dir, tr *DirectionVerdict) bool {
	iso := false
	for _, pi := range np {
		if m.pols[pi].isolates[d] {
			iso = true
			if tr != nil {
				tr.Isolating = append(tr.Isolating, m.pols[pi].ref)
			}
		}
	}
	return iso
}

// npAllowed is the union of the NetworkPolicy-tier rules, within rest.
func (m *Model) npAllowed(np []int32, d dir, q *dirQuery, rest portset.Set, tr *DirectionVerdict) portset.Set {
	var allowed portset.Set
	for _, pi := range np {
		for i := range m.pols[pi].rules[d] {
			r := &m.pols[pi].rules[d][i]
			if _, ok := q.decide(r); !ok {
				continue
			}
			hit := r.ports.resolve(q.dstPorts).Intersect(rest)
			if hit.IsEmpty() {
				continue
			}
			allowed = allowed.Union(hit)
			tr.record(r.ref)
		}
	}
	return allowed
}
