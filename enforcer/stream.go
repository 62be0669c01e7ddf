package enforcer

import (
	"fmt"
	"slices"

	"github.com/netpolc/netpolc/internal/par"
	"github.com/netpolc/netpolc/internal/portset"
)

// Stream is the connectivity matrix as the model's class tables hold it:
// the nodes, and for each source node the destinations it may open,
// produced on demand in canonical order. It never holds the list of all
// pairs, so a matrix of a hundred million pairs can be written in the
// memory of its classes. A Stream is immutable and safe for concurrent
// use; read it with one Cursor per goroutine.
type Stream struct {
	// Endpoints are the matrix nodes in canonical order (as in
	// Connectivity.Endpoints): the workloads, then the external peers.
	Endpoints []Endpoint
	// PortSets are the distinct port sets the matrix allows; a Target names
	// one by index. None is empty.
	PortSets []portset.Set

	external int          // nodes from this index on are external peers
	src      []int32      // node → source class
	dst      []int32      // node → destination class
	rows     [][]classRef // source class → destination classes, ascending
	members  [][]int32    // destination class → its nodes, ascending
	reach    []int64      // source class → nodes its row reaches
	extReach []int64      // source class → external nodes its row reaches
}

// Target is one allowed destination of a source node.
type Target struct {
	Node  int32 // index into Stream.Endpoints
	Ports int32 // index into Stream.PortSets
}

// classRef is one entry of a source class's row: a destination class and
// the port set the pair of classes allows.
type classRef struct {
	class, ports int32
}

// Stream computes the model's class tables and returns the matrix as a
// stream (see Matrix for what it holds). With ingress controllers
// (WithEdge) the matrix is materialised to add their connections.
func (m *Model) Stream() *Stream {
	s := m.classStream()
	if len(m.edges) == 0 {
		return s
	}
	c := s.Connectivity()
	c.Endpoints = slices.Clone(c.Endpoints)
	m.addEdges(c)
	c.Sort()
	if out, err := StreamOf(c); err == nil {
		return out
	}
	return s // not reached: addEdges names only endpoints it adds or the model's
}

// classStream is the matrix of the class tables.
func (m *Model) classStream() *Stream {
	c := m.buildClasses()
	var tables [2]table
	for d := range 2 {
		tables[d] = m.table(dir(d), c)
	}
	nodes, conn := m.matrixNodes()
	pc := m.pairClasses(nodes, c)
	res := make([]*sparse, len(pc.srcRep))
	par.For(len(res), func(sc int) { res[sc] = pc.row(sc, tables) })
	s := &Stream{Endpoints: conn.Endpoints, external: len(m.endpoints), src: pc.src, dst: pc.dst}
	s.members = make([][]int32, len(pc.dstRep))
	for n, dc := range pc.dst {
		s.members[dc] = append(s.members[dc], int32(n))
	}
	s.rows = internRows(res, &s.PortSets)
	s.count()
	return s
}

// internRows turns the sparse rows into class references, numbering the
// distinct port sets in order of first appearance.
func internRows(res []*sparse, sets *[]portset.Set) [][]classRef {
	keys := make([][]string, len(res))
	par.For(len(res), func(sc int) {
		keys[sc] = make([]string, len(res[sc].sets))
		for k, p := range res[sc].sets {
			keys[sc][k] = p.String()
		}
	})
	index := map[string]int32{}
	rows := make([][]classRef, len(res))
	for sc, r := range res {
		rows[sc] = make([]classRef, len(r.idx))
		for k, dc := range r.idx {
			id, ok := index[keys[sc][k]]
			if !ok {
				id = int32(len(*sets))
				index[keys[sc][k]] = id
				*sets = append(*sets, r.sets[k])
			}
			rows[sc][k] = classRef{dc, id}
		}
	}
	return rows
}

// count fills reach and extReach.
func (s *Stream) count() {
	ext := make([]int64, len(s.members))
	for dc, ms := range s.members {
		i, _ := slices.BinarySearch(ms, int32(s.external))
		ext[dc] = int64(len(ms) - i)
	}
	s.reach = make([]int64, len(s.rows))
	s.extReach = make([]int64, len(s.rows))
	for sc, row := range s.rows {
		for _, r := range row {
			s.reach[sc] += int64(len(s.members[r.class]))
			s.extReach[sc] += ext[r.class]
		}
	}
}

// Nodes is the number of matrix nodes (len(Endpoints)).
func (s *Stream) Nodes() int { return len(s.Endpoints) }

// External reports whether node n is an external peer.
func (s *Stream) External(n int) bool { return n >= s.external }

// Count is the number of destinations of source node n: what
// Cursor.Targets returns, without computing it.
func (s *Stream) Count(n int) int {
	sc := s.src[n]
	if s.External(n) {
		return int(s.reach[sc] - s.extReach[sc])
	}
	if _, self := s.find(sc, s.dst[n]); self {
		return int(s.reach[sc] - 1)
	}
	return int(s.reach[sc])
}

// Pairs is the number of allowed pairs: len(Connectivity.Connections).
func (s *Stream) Pairs() int64 {
	var total int64
	for n := range s.Nodes() {
		total += int64(s.Count(n))
	}
	return total
}

// find looks destination class dc up in source class sc's row.
func (s *Stream) find(sc, dc int32) (classRef, bool) {
	row := s.rows[sc]
	i, ok := slices.BinarySearchFunc(row, dc, func(r classRef, dc int32) int { return int(r.class - dc) })
	if !ok {
		return classRef{}, false
	}
	return row[i], true
}

// Reached reports, per node, whether it is the destination of some pair.
func (s *Stream) Reached() []bool {
	from := make([]int64, len(s.members))    // sources reaching the class
	fromEps := make([]int64, len(s.members)) // of them endpoints
	size := make([]int64, len(s.rows))
	eps := make([]int64, len(s.rows))
	for n, sc := range s.src {
		size[sc]++
		if !s.External(n) {
			eps[sc]++
		}
	}
	for sc, row := range s.rows {
		for _, r := range row {
			from[r.class] += size[sc]
			fromEps[r.class] += eps[sc]
		}
	}
	out := make([]bool, s.Nodes())
	for n, dc := range s.dst {
		if s.External(n) {
			out[n] = fromEps[dc] > 0
			continue
		}
		k := from[dc]
		if _, self := s.find(s.src[n], dc); self {
			k--
		}
		out[n] = k > 0
	}
	return out
}

// Connectivity materialises the stream: every pair, as Model.Matrix
// returns it. The nodes are filled in parallel, each into its place.
func (s *Stream) Connectivity() *Connectivity {
	offsets := make([]int, s.Nodes()+1)
	for n := range s.Nodes() {
		offsets[n+1] = offsets[n] + s.Count(n)
	}
	conns := make([]Connection, offsets[s.Nodes()])
	chunks := Chunks(s, 1<<14)
	par.For(len(chunks), func(i int) {
		c := s.Cursor()
		for n := chunks[i].Lo; n < chunks[i].Hi; n++ {
			out := conns[offsets[n]:offsets[n]:offsets[n+1]]
			for _, t := range c.Targets(n) {
				out = append(out, Connection{Src: s.Endpoints[n].Name, Dst: s.Endpoints[t.Node].Name, Ports: s.PortSets[t.Ports]})
			}
		}
	})
	return &Connectivity{Endpoints: s.Endpoints, Connections: conns}
}

// Chunk is a run of consecutive source nodes, [Lo, Hi).
type Chunk struct{ Lo, Hi int }

// Chunks cuts the source nodes into runs of about pairs pairs each (a
// node with more is a run of its own), for parallel work that keeps the
// nodes' order.
func Chunks(s *Stream, pairs int) []Chunk {
	var out []Chunk
	lo, k := 0, 0
	for n := range s.Nodes() {
		k += s.Count(n) + 1
		if k >= pairs {
			out = append(out, Chunk{lo, n + 1})
			lo, k = n+1, 0
		}
	}
	if lo < s.Nodes() {
		out = append(out, Chunk{lo, s.Nodes()})
	}
	return out
}

// StreamOf reads a materialised matrix as a stream, so that one writer
// serves both. Its endpoints must be in canonical order and its
// connections name only them.
func StreamOf(c *Connectivity) (*Stream, error) {
	n := len(c.Endpoints)
	index := make(map[string]int32, n)
	for i, ep := range c.Endpoints {
		index[ep.Name] = int32(i)
	}
	s := &Stream{Endpoints: c.Endpoints, external: n, src: make([]int32, n), dst: make([]int32, n),
		rows: make([][]classRef, n), members: make([][]int32, n)}
	sets := map[string]int32{}
	for _, conn := range c.Connections {
		src, ok1 := index[conn.Src]
		dst, ok2 := index[conn.Dst]
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("connection %s -> %s names an endpoint the matrix does not list", conn.Src, conn.Dst)
		}
		key := conn.Ports.String()
		id, ok := sets[key]
		if !ok {
			id = int32(len(s.PortSets))
			sets[key] = id
			s.PortSets = append(s.PortSets, conn.Ports)
		}
		s.rows[src] = append(s.rows[src], classRef{dst, id})
	}
	for i := range n {
		s.src[i], s.dst[i], s.members[i] = int32(i), int32(i), []int32{int32(i)}
		slices.SortStableFunc(s.rows[i], func(a, b classRef) int { return int(a.class - b.class) })
		s.rows[i] = slices.CompactFunc(s.rows[i], func(a, b classRef) bool { return a.class == b.class })
	}
	s.count()
	return s, nil
}
