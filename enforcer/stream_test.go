package enforcer

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/netpolc/netpolc/internal/par"
	"github.com/netpolc/netpolc/internal/portset"
)

// The stream replaced a materialising expansion; legacyMatrix is that
// expansion as it was, the reference the stream (and Matrix, built on it)
// must reproduce exactly.
func legacyMatrix(m *Model) *Connectivity {
	c := m.buildClasses()
	var tables [2]table
	for d := range 2 {
		tables[d] = m.table(dir(d), c)
	}
	nodes, out := m.matrixNodes()
	out.Connections = m.legacyExpand(nodes, out.Endpoints, c, tables)
	return out
}

// expand turns the class tables into connections between nodes, in
// canonical order. A pair's ports depend only on the source's (egress
// subject, ingress peer) classes and the destination's (egress peer,
// ingress subject) classes, so they are computed once per such class pair;
// the per-node pass only looks them up. Rows are sparse, so the work and
// memory follow the allowed pairs, not the square of the classes.
func (m *Model) legacyExpand(nodes []int32, eps []Endpoint, c *classes, t [2]table) []Connection {
	pc := m.pairClasses(nodes, c)
	res := make([]*sparse, len(pc.srcRep))
	par.For(len(res), func(sc int) { res[sc] = pc.row(sc, t) })
	n := len(nodes)
	byDst := make([][]int32, len(pc.dstRep))
	for d := range n {
		byDst[pc.dst[d]] = append(byDst[pc.dst[d]], int32(d))
	}
	perNode := make([][]legacyTarget, n)
	par.For(n, func(s int) {
		row := res[pc.src[s]]
		var out []legacyTarget
		for k, dc := range row.idx {
			for _, d := range byDst[dc] {
				if int(d) != s && !(pc.external[s] && pc.external[d]) {
					out = append(out, legacyTarget{d, row.sets[k]})
				}
			}
		}
		slices.SortFunc(out, func(a, b legacyTarget) int { return int(a.node - b.node) })
		perNode[s] = out
	})
	total := 0
	for _, ts := range perNode {
		total += len(ts)
	}
	conns := make([]Connection, 0, total)
	for s, ts := range perNode {
		for _, tg := range ts {
			conns = append(conns, Connection{Src: eps[s].Name, Dst: eps[tg.node].Name, Ports: tg.ports})
		}
		perNode[s] = nil
	}
	return conns
}

// target is one allowed destination node of a source node.
type target struct {
	node  int32
	ports portset.Set
}

type legacyTarget struct {
	node  int32
	ports portset.Set
}

func streamCases(t *testing.T) map[string]*Model {
	out := map[string]*Model{}
	for _, c := range []struct {
		name      string
		ns, wl    int
		withAdmin bool
	}{{"20x5", 20, 5, false}, {"20x25admin", 20, 25, true}, {"60x25", 60, 25, false}, {"40x10admin", 40, 10, true}} {
		inv, pols := syntheticCluster(t, c.ns, c.wl, c.withAdmin)
		m, err := New(inv, pols)
		if err != nil {
			t.Fatal(err)
		}
		out[c.name] = m
	}
	for seed := range uint64(40) {
		r := rand.New(rand.NewPCG(seed, 7))
		m, err := New(randomInventory(r), randomPolicies(t, r))
		if err != nil {
			t.Fatal(err)
		}
		out[fmt.Sprintf("random-%d", seed)] = m
	}
	return out
}

func TestStreamMatchesLegacyExpansion(t *testing.T) {
	defer func(b int) { cursorBudget = b }(cursorBudget)
	for _, budget := range []int{1 << 21, 7} { // 7: the cursor's cache evicts all the time
		cursorBudget = budget
		for name, m := range streamCases(t) {
			want := legacyMatrix(m)
			s := m.Stream()
			got := s.Connectivity()
			if !reflect.DeepEqual(got.Endpoints, want.Endpoints) || len(got.Connections) != len(want.Connections) {
				t.Fatalf("%s: %d endpoints %d pairs, want %d and %d", name, len(got.Endpoints), len(got.Connections), len(want.Endpoints), len(want.Connections))
			}
			for i, c := range want.Connections {
				g := got.Connections[i]
				if g.Src != c.Src || g.Dst != c.Dst || !g.Ports.Equal(c.Ports) {
					t.Fatalf("%s: pair %d is %s -> %s %s, want %s -> %s %s", name, i, g.Src, g.Dst, g.Ports, c.Src, c.Dst, c.Ports)
				}
			}
			checkCounts(t, name, s, want)
		}
	}
}

// checkCounts compares the stream's counts with the materialised matrix.
func checkCounts(t *testing.T, name string, s *Stream, c *Connectivity) {
	t.Helper()
	if got := s.Pairs(); got != int64(len(c.Connections)) {
		t.Errorf("%s: Pairs() = %d, want %d", name, got, len(c.Connections))
	}
	reached := map[string]bool{}
	for _, conn := range c.Connections {
		reached[conn.Dst] = true
	}
	for n, r := range s.Reached() {
		if r != reached[s.Endpoints[n].Name] {
			t.Errorf("%s: Reached()[%s] = %v", name, s.Endpoints[n].Name, r)
		}
	}
}
