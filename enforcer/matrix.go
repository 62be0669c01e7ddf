package enforcer

import (
	"runtime"
	"sync"

	"github.com/netpolc/netpolc/enforcer/portset"
)

// table holds, per subject class and peer class of one direction, the
// ports that direction allows. A nil row allows everything.
type table [][]portset.Set

func (t table) at(sc, pc int32) portset.Set {
	if t[sc] == nil {
		return portset.All()
	}
	return t[sc][pc]
}

// Matrix computes the connectivity between every ordered pair of distinct
// endpoints, and between endpoints and the external peers (egress towards
// an external peer is decided at the source only, ingress from one at the
// destination only). The result is materialised: about 40 bytes per
// allowed pair, so a fully open cluster of 5,000 workloads (25 million
// pairs) needs about 1 GB.
func (m *Model) Matrix() *Connectivity {
	c := m.buildClasses()
	var tables [2]table
	for d := range 2 {
		tables[d] = m.table(dir(d), c)
	}
	nodes, out := m.matrixNodes()
	out.Connections = m.expand(nodes, out.Endpoints, c, tables)
	return out
}

// matrixNodes lists the matrix nodes in canonical order with their groups.
func (m *Model) matrixNodes() ([]int32, *Connectivity) {
	out := &Connectivity{Endpoints: make([]Endpoint, 0, len(m.endpoints)+len(m.at.atoms))}
	nodes := make([]int32, 0, cap(out.Endpoints))
	for i, ep := range m.endpoints {
		out.Endpoints = append(out.Endpoints, Endpoint{Name: ep.ID(), Namespace: ep.Namespace, Kind: ep.Kind})
		nodes = append(nodes, m.epGroup[i])
	}
	for a, r := range m.at.atoms {
		out.Endpoints = append(out.Endpoints, Endpoint{Name: r.String(), Kind: KindExternal})
		nodes = append(nodes, m.atomGroup[a])
	}
	return nodes, out
}

// table computes one direction's class table, a row per subject class.
func (m *Model) table(d dir, c *classes) table {
	t := make(table, len(c.subjRep[d]))
	parallel(len(t), func(sc int) { t[sc] = m.row(d, c, c.subjRep[d][sc]) })
	return t
}

// row computes one subject class's row. Rows with only NetworkPolicies are
// filled sparsely from the rules' peers; rows with admin or baseline
// policies evaluate every peer class in full.
func (m *Model) row(d dir, c *classes, gs int32) []portset.Set {
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
	return row
}

// sparseRow fills the row of an isolated subject with only NetworkPolicies:
// the union of each rule's ports over the peer classes its peers match;
// every other peer class stays empty.
func (m *Model) sparseRow(d dir, c *classes, gs int32, np []int32) []portset.Set {
	row := make([]portset.Set, len(c.peerRep[d]))
	for _, pi := range np {
		for _, r := range m.pols[pi].rules[d] {
			for _, id := range r.peers {
				for _, pc := range c.peerClassesOf[d][id] {
					row[pc] = row[pc].Union(r.ports.resolve(m.dstPorts(d, gs, c.peerRep[d][pc])))
				}
			}
		}
	}
	return row
}

// dstPorts are the named ports of the destination: the peer for egress,
// the subject for ingress.
func (m *Model) dstPorts(d dir, subject, peer int32) []dstPort {
	if d == dEgress {
		return m.groups[peer].ports
	}
	return m.groups[subject].ports
}

// expand turns the class tables into connections between nodes, in
// canonical order. A pair's ports depend only on the source's (egress
// subject, ingress peer) classes and the destination's (egress peer,
// ingress subject) classes, so they are computed once per such class pair;
// the per-node passes only look them up. Counting first and filling one
// exactly-sized slice keeps a large open cluster at the cost of its
// connections.
func (m *Model) expand(nodes []int32, eps []Endpoint, c *classes, t [2]table) []Connection {
	pc := m.pairClasses(nodes, c)
	res := make([][]portset.Set, len(pc.srcRep))
	parallel(len(res), func(sc int) { res[sc] = pc.row(sc, t) })
	n := len(nodes)
	counts := make([]int, n+1)
	each := func(s int, f func(d int, p portset.Set)) {
		row := res[pc.src[s]]
		for d := range n {
			if p := row[pc.dst[d]]; !p.IsEmpty() && d != s && !(pc.external[s] && pc.external[d]) {
				f(d, p)
			}
		}
	}
	parallel(n, func(s int) { each(s, func(int, portset.Set) { counts[s+1]++ }) })
	for s := range n {
		counts[s+1] += counts[s]
	}
	conns := make([]Connection, counts[n])
	parallel(n, func(s int) {
		k := counts[s]
		each(s, func(d int, p portset.Set) {
			conns[k] = Connection{Src: eps[s].Name, Dst: eps[d].Name, Ports: p}
			k++
		})
	})
	return conns
}

// nodeClasses assigns every matrix node a source class (its egress subject
// and ingress peer classes) and a destination class (its egress peer and
// ingress subject classes).
type nodeClasses struct {
	src, dst       []int32    // node → class
	srcRep, dstRep [][2]int32 // class → its (egress, ingress) table indices
	external       []bool     // node is an external peer
}

func (m *Model) pairClasses(nodes []int32, c *classes) *nodeClasses {
	pc := &nodeClasses{src: make([]int32, len(nodes)), dst: make([]int32, len(nodes)), external: make([]bool, len(nodes))}
	srcIdx, dstIdx := map[[2]int32]int32{}, map[[2]int32]int32{}
	for i, g := range nodes {
		pc.src[i] = internPair(srcIdx, [2]int32{c.subj[dEgress][g], c.peer[dIngress][g]}, &pc.srcRep)
		pc.dst[i] = internPair(dstIdx, [2]int32{c.peer[dEgress][g], c.subj[dIngress][g]}, &pc.dstRep)
		pc.external[i] = m.groups[g].external
	}
	return pc
}

func internPair(index map[[2]int32]int32, key [2]int32, reps *[][2]int32) int32 {
	if id, ok := index[key]; ok {
		return id
	}
	id := int32(len(*reps))
	index[key] = id
	*reps = append(*reps, key)
	return id
}

// row is what source class sc may open to every destination class.
func (pc *nodeClasses) row(sc int, t [2]table) []portset.Set {
	src := pc.srcRep[sc]
	row := make([]portset.Set, len(pc.dstRep))
	egress := t[dEgress][src[0]]
	for dc, dst := range pc.dstRep {
		e := portset.All()
		if egress != nil {
			e = egress[dst[0]]
		}
		if i := t[dIngress].at(dst[1], src[1]); e.Overlaps(i) {
			row[dc] = e.Intersect(i)
		}
	}
	return row
}

// parallel runs f(0..n-1) on all CPUs.
func parallel(n int, f func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	var wg sync.WaitGroup
	next := make(chan int, workers)
	for range workers {
		wg.Go(func() {
			for i := range next {
				f(i)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}
