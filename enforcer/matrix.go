package enforcer

import (
	"slices"
	"sort"
	"sync"

	"github.com/netpolc/netpolc/internal/par"
	"github.com/netpolc/netpolc/internal/portset"
)

// table holds, per subject class and peer class of one direction, the
// ports that direction allows. Rows are sparse: a cluster's classes are
// often as many as its workloads, and a dense classes² table would cost
// hundreds of megabytes where only a few entries per row are non-empty.
type table []*sparse

// sparse is one row: the entries other than fill, by ascending peer
// class; every peer class it does not list allows fill (empty unless a
// rule allows every peer: a row of such a rule would otherwise list every
// peer class, tens of thousands of entries). A nil row allows everything
// (the subject is not isolated).
type sparse struct {
	idx  []int32
	sets []portset.Set
	fill portset.Set
}

func (t table) at(sc, pc int32) portset.Set {
	r := t[sc]
	if r == nil {
		return portset.All()
	}
	return r.get(pc)
}

// get looks up one entry (fill when absent).
func (r *sparse) get(pc int32) portset.Set {
	i, ok := slices.BinarySearch(r.idx, pc)
	if !ok {
		return r.fill
	}
	return r.sets[i]
}

// compact turns a dense row into a sparse one, dropping empty entries.
func compact(dense []portset.Set) *sparse {
	r := &sparse{}
	for i, p := range dense {
		if !p.IsEmpty() {
			r.idx = append(r.idx, int32(i))
			r.sets = append(r.sets, p)
		}
	}
	return r
}

// Matrix computes the connectivity between every ordered pair of distinct
// endpoints, and between endpoints and the external peers (egress towards
// an external peer is decided at the source only, ingress from one at the
// destination only). The result is materialised: about 40 bytes per
// allowed pair, so a fully open cluster of 5,000 workloads (25 million
// pairs) needs about 1 GB. Stream gives the same matrix without the list.
func (m *Model) Matrix() *Connectivity {
	return m.Stream().Connectivity()
}

// matrixNodes lists the matrix nodes in canonical order with their groups.
func (m *Model) matrixNodes() ([]int32, *Connectivity) {
	out := &Connectivity{Endpoints: make([]Endpoint, 0, len(m.endpoints)+len(m.at.atoms)+len(m.fqdns))}
	nodes := make([]int32, 0, cap(out.Endpoints))
	for i, ep := range m.endpoints {
		out.Endpoints = append(out.Endpoints, Endpoint{Name: ep.ID(), Namespace: ep.Namespace, Kind: ep.Kind})
		nodes = append(nodes, m.epGroup[i])
	}
	for a, r := range m.at.atoms {
		out.Endpoints = append(out.Endpoints, Endpoint{Name: r.String(), Kind: KindExternal})
		nodes = append(nodes, m.atomGroup[a])
	}
	for i, f := range m.fqdns {
		out.Endpoints = append(out.Endpoints, Endpoint{Name: FQDNPrefix + f.String(), Kind: KindExternal})
		nodes = append(nodes, m.fqdnGroup[i])
	}
	return nodes, out
}

// table computes one direction's class table, a row per subject class.
func (m *Model) table(d dir, c *classes) table {
	t := make(table, len(c.subjRep[d]))
	par.For(len(t), func(sc int) { t[sc] = m.row(d, c, c.subjRep[d][sc]) })
	return t
}

// row computes one subject class's row. Rows with only NetworkPolicies are
// filled sparsely from the rules' peers; rows with admin or baseline
// policies evaluate every peer class in full.
func (m *Model) row(d dir, c *classes, gs int32) *sparse {
	subj := m.groups[gs].subj[d]
	if len(subj) == 0 {
		return nil
	}
	admin, np, base := m.split(subj)
	if len(admin) == 0 && len(base) == 0 && !m.isolated(np, d, nil) {
		return nil
	}
	if len(admin) == 0 && len(base) == 0 {
		return m.sparseRow(d, c, gs, np)
	}
	row := make([]portset.Set, len(c.peerRep[d]))
	for pc, gp := range c.peerRep[d] {
		q := dirQuery{subj: subj, peer: m.groups[gp].peerBits[d], dstPorts: m.dstPorts(d, gs, gp)}
		row[pc] = m.evalDir(d, &q, portset.All(), nil)
	}
	return compact(row)
}

// sparseRow fills the row of an isolated subject with only NetworkPolicies:
// the union of each rule's ports over the peer classes its peers match;
// every other peer class stays empty. A peer matching everything adds to
// the row's fill instead of to every entry, when its ports do not depend
// on the peer (see ruleFill).
func (m *Model) sparseRow(d dir, c *classes, gs int32, np []int32) *sparse {
	sc := scratchPool.Get().(*scratch)
	defer scratchPool.Put(sc)
	if len(sc.dense) < len(c.peerRep[d]) {
		sc.dense = make([]portset.Set, len(c.peerRep[d]))
	}
	var fill portset.Set
	for _, pi := range np {
		for _, r := range m.pols[pi].rules[d] {
			for _, id := range r.peers {
				if p, ok := m.ruleFill(d, gs, &r, id); ok {
					fill = fill.Union(p)
					continue
				}
				m.addPeerClasses(d, c, gs, &r, id, sc)
			}
		}
	}
	slices.Sort(sc.touched)
	row := &sparse{idx: make([]int32, 0, len(sc.touched)), sets: make([]portset.Set, 0, len(sc.touched)), fill: fill}
	for _, pc := range sc.touched {
		if p := sc.dense[pc]; !p.IsEmpty() {
			row.idx = append(row.idx, pc)
			row.sets = append(row.sets, sc.sets.Union(p, fill))
		}
		sc.dense[pc] = portset.Empty()
	}
	sc.touched = sc.touched[:0]
	return row
}

// ruleFill is what rule r allows towards every peer class through peer
// id, when id matches everything (so every class) and the ports resolve
// alike for every class: on ingress the named ports are the subject's; on
// egress they are the peer's, so only a rule without named ports
// qualifies.
func (m *Model) ruleFill(d dir, gs int32, r *crule, id int32) (portset.Set, bool) {
	if m.peers[d][id].kind != peerAll || (d == dEgress && len(r.ports.named) > 0) {
		return portset.Set{}, false
	}
	return r.ports.resolve(m.dstPorts(d, gs, gs)), true
}

// addPeerClasses adds what rule r allows through peer id to the entries
// of the peer classes id matches. On ingress the ports are resolved once:
// they are the subject's whatever the peer.
func (m *Model) addPeerClasses(d dir, c *classes, gs int32, r *crule, id int32, sc *scratch) {
	var ports portset.Set
	if d == dIngress {
		ports = r.ports.resolveIn(sc.sets, m.dstPorts(d, gs, gs))
	}
	for _, pc := range c.peerClassesOf[d][id] {
		if sc.dense[pc].IsEmpty() {
			sc.touched = append(sc.touched, pc)
		}
		p := ports
		if d == dEgress {
			p = r.ports.resolveIn(sc.sets, m.dstPorts(d, gs, c.peerRep[d][pc]))
		}
		sc.dense[pc] = sc.sets.Union(sc.dense[pc], p)
	}
}

// scratch is a reusable dense row: accumulating into it and compacting
// the touched entries avoids both a map per row and a dense allocation per
// row. Its Interner keeps one copy of each distinct port set the rows it
// filled hold (the 100k-pod egress table: 9.8 million entries, 6.5
// million sets built one by one before, a few thousand distinct).
type scratch struct {
	dense   []portset.Set
	touched []int32
	sets    *portset.Interner
}

var scratchPool = sync.Pool{New: func() any { return &scratch{sets: portset.NewInterner()} }}

// dstPorts are the named ports of the destination: the peer for egress,
// the subject for ingress.
func (m *Model) dstPorts(d dir, subject, peer int32) []dstPort {
	if d == dEgress {
		return m.groups[peer].ports
	}
	return m.groups[subject].ports
}

// nodeClasses assigns every matrix node a source class (its egress subject
// and ingress peer classes) and a destination class (its egress peer and
// ingress subject classes).
type nodeClasses struct {
	src, dst       []int32    // node → class
	srcRep, dstRep [][2]int32 // class → its (egress, ingress) table indices
	external       []bool     // node is an external peer
	// dstByPeer lists, per egress peer class, the destination classes
	// with it, ascending.
	dstByPeer [][]int32
}

func (m *Model) pairClasses(nodes []int32, c *classes) *nodeClasses {
	pc := &nodeClasses{src: make([]int32, len(nodes)), dst: make([]int32, len(nodes)), external: make([]bool, len(nodes))}
	srcIdx, dstIdx := map[[2]int32]int32{}, map[[2]int32]int32{}
	for i, g := range nodes {
		key := [2]int32{c.subj[dEgress][g], c.peer[dIngress][g]}
		if m.groups[g].fqdn != nil {
			key = noSource // a DNS name is a destination only
		}
		pc.src[i] = internPair(srcIdx, key, &pc.srcRep)
		pc.dst[i] = internPair(dstIdx, [2]int32{c.peer[dEgress][g], c.subj[dIngress][g]}, &pc.dstRep)
		pc.external[i] = m.groups[g].external
	}
	pc.dstByPeer = make([][]int32, len(c.peerRep[dEgress]))
	for dc, rep := range pc.dstRep {
		pc.dstByPeer[rep[0]] = append(pc.dstByPeer[rep[0]], int32(dc))
	}
	return pc
}

// noSource is the source class of the DNS-name endpoints: nothing is
// evaluated from a name, so it reaches nothing.
var noSource = [2]int32{-1, -1}

func internPair(index map[[2]int32]int32, key [2]int32, reps *[][2]int32) int32 {
	if id, ok := index[key]; ok {
		return id
	}
	id := int32(len(*reps))
	index[key] = id
	*reps = append(*reps, key)
	return id
}

// row is what source class sc may open to every destination class. An
// egress-isolated source only looks at the destination classes its egress
// row names; an open one must look at all of them.
func (pc *nodeClasses) row(sc int, t [2]table) *sparse {
	src := pc.srcRep[sc]
	out := &sparse{}
	if src == noSource {
		return out
	}
	egress := t[dEgress][src[0]]
	add := func(dc int32, e portset.Set) {
		if i := t[dIngress].at(pc.dstRep[dc][1], src[1]); e.Overlaps(i) {
			out.idx = append(out.idx, dc)
			out.sets = append(out.sets, e.Intersect(i))
		}
	}
	if egress == nil {
		for dc := range pc.dstRep {
			add(int32(dc), portset.All())
		}
		return out
	}
	if !egress.fill.IsEmpty() {
		// Every destination class may be allowed: look at each, in order.
		for dc := range pc.dstRep {
			add(int32(dc), egress.get(pc.dstRep[dc][0]))
		}
		return out
	}
	for k, peerClass := range egress.idx {
		for _, dc := range pc.dstByPeer[peerClass] {
			add(dc, egress.sets[k])
		}
	}
	sort.Sort(byIdx{out})
	return out
}

// byIdx sorts a sparse row's entries by index.
type byIdx struct{ *sparse }

func (b byIdx) Len() int           { return len(b.idx) }
func (b byIdx) Less(i, j int) bool { return b.idx[i] < b.idx[j] }
func (b byIdx) Swap(i, j int) {
	b.idx[i], b.idx[j] = b.idx[j], b.idx[i]
	b.sets[i], b.sets[j] = b.sets[j], b.sets[i]
}
