package render

import (
	"cmp"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/netpolc/netpolc/enforcer"
)

// A folded matrix is one row per (source namespace, destination
// namespace, ports) with the pairs it stands for, its sources and
// destinations listed as `netpolc diff` lists them ("shop/{web, app,
// +3 more}"). The external peers, named as CIDRs (see view.go), count as one
// namespace ("{10.0.0.0/8 | …}").

// spans numbers the namespaces of the nodes. The nodes of one namespace
// are consecutive (names "namespace/name" sort so), and so are the
// external peers, at the end.
type spans struct {
	of []int32 // node → span
	lo []int32 // span → its first node
	hi []int32 // span → after its last node
}

func namespaceSpans(eps []enforcer.Endpoint) spans {
	sp := spans{of: make([]int32, len(eps))}
	for n, ep := range eps {
		if n == 0 || ep.Namespace != eps[n-1].Namespace {
			sp.lo = append(sp.lo, int32(n))
			sp.hi = append(sp.hi, int32(n))
		}
		sp.of[n] = int32(len(sp.lo) - 1)
		sp.hi[len(sp.hi)-1]++
	}
	return sp
}

type foldKey struct{ src, dst, ports int32 }

// foldRow is one row of a folded matrix: its pairs, and which nodes of
// the source and destination spans take part (bits from the span's first
// node).
type foldRow struct {
	key        foldKey
	pairs      int64
	srcs, dsts bits
}

type bits []uint64

func newBits(n int32) bits      { return make(bits, (n+63)/64) }
func (b bits) set(i int32)      { b[i/64] |= 1 << (i % 64) }
func (b bits) has(i int32) bool { return b[i/64]&(1<<(i%64)) != 0 }

func (b bits) or(c bits) {
	for i := range b {
		b[i] |= c[i]
	}
}

// fold computes the folded rows, sorted by source namespace, destination
// namespace and ports, on every CPU: each worker folds chunks of source
// nodes into rows of its own, merged at the end.
func fold(s *view, sp spans) []*foldRow {
	chunks := s.chunks(chunkPairs)
	workers := runtime.GOMAXPROCS(0)
	parts := make([]map[foldKey]*foldRow, workers)
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		parts[w] = map[foldKey]*foldRow{}
		wg.Go(func() {
			cur := s.cursor()
			for i := int(next.Add(1) - 1); i < len(chunks); i = int(next.Add(1) - 1) {
				for n := chunks[i].Lo; n < chunks[i].Hi; n++ {
					foldNode(parts[w], sp, cur.Targets(n), int32(n))
				}
			}
		})
	}
	wg.Wait()
	all := parts[0]
	for _, p := range parts[1:] {
		for k, r := range p {
			if a, ok := all[k]; ok {
				a.pairs += r.pairs
				a.srcs.or(r.srcs)
				a.dsts.or(r.dsts)
			} else {
				all[k] = r
			}
		}
	}
	rows := make([]*foldRow, 0, len(all))
	ports := make([]string, len(s.PortSets)) // each set printed once, not per comparison
	for _, r := range all {
		rows = append(rows, r)
		if ports[r.key.ports] == "" {
			ports[r.key.ports] = s.PortSets[r.key.ports].String()
		}
	}
	slices.SortFunc(rows, func(a, b *foldRow) int {
		return cmp.Or(cmp.Compare(a.key.src, b.key.src), cmp.Compare(a.key.dst, b.key.dst),
			strings.Compare(ports[a.key.ports], ports[b.key.ports]))
	})
	return rows
}

// foldNode adds source node n's pairs to rows.
func foldNode(rows map[foldKey]*foldRow, sp spans, targets []enforcer.Target, n int32) {
	var r *foldRow
	sn := sp.of[n]
	for _, t := range targets {
		k := foldKey{sn, sp.of[t.Node], t.Ports}
		if r == nil || r.key != k {
			if r = rows[k]; r == nil {
				r = &foldRow{key: k, srcs: newBits(sp.hi[k.src] - sp.lo[k.src]), dsts: newBits(sp.hi[k.dst] - sp.lo[k.dst])}
				rows[k] = r
			}
			r.srcs.set(n - sp.lo[sn])
		}
		r.pairs++
		r.dsts.set(t.Node - sp.lo[k.dst])
	}
}

// maxNames is how many names of a folded list are printed.
const maxNames = 4

// nodeList prints the nodes of span i that bits holds: "shop/web", or
// "shop/{web, app, +3 more}", or "{10.0.0.0/24 | world except 10.0.0.0/24}".
func nodeList(s *view, sp spans, i int32, b bits) string {
	var names []string
	count := 0
	for n := sp.lo[i]; n < sp.hi[i]; n++ {
		if b.has(n - sp.lo[i]) {
			if count++; len(names) < maxNames {
				names = append(names, s.Endpoints[n].Name)
			}
		}
	}
	ns := s.Endpoints[sp.lo[i]].Namespace
	if s.Endpoints[sp.lo[i]].Kind == enforcer.KindExternal {
		ns = ""
	}
	return NameGroup(ns, names, count)
}

// NameGroup prints count names of one namespace ("" for external peers),
// of which names are the first (at least maxNames of them, when there
// are that many): the name itself when it is alone, else
// "shop/{web, app, +3 more}", or "{10.0.0.0/24 | world except 10.0.0.0/24}"
// (display names of external peers hold ", " themselves).
func NameGroup(namespace string, names []string, count int) string {
	if count == 1 {
		return names[0]
	}
	prefix, sep := namespace+"/", ", "
	if namespace == "" {
		prefix, sep = "", " | "
	}
	short := make([]string, 0, maxNames)
	for k, n := range names {
		if k == maxNames-1 && count > maxNames {
			short = append(short, fmt.Sprintf("+%d more", count-k))
			break
		}
		short = append(short, strings.TrimPrefix(n, prefix))
	}
	return prefix + "{" + strings.Join(short, sep) + "}"
}

// foldedTable writes the rows of a folded matrix; cells are sources,
// destinations, ports and pairs.
type foldedTable func(w io.Writer, head string, cells [][4]string) error

// writeFolded folds s and writes it with table.
func writeFolded(w io.Writer, s *view, total int64, table foldedTable) error {
	cells := foldedCells(s)
	head := fmt.Sprintf("%d allowed pairs between %d endpoints, in %d rows by source namespace, destination namespace and ports",
		total, s.Nodes(), len(cells))
	return table(w, head, cells)
}

// foldedCells are the folded rows of s as printed.
func foldedCells(s *view) [][4]string {
	sp := namespaceSpans(s.Endpoints)
	rows := fold(s, sp)
	cells := make([][4]string, len(rows))
	for i, r := range rows {
		cells[i] = [4]string{nodeList(s, sp, r.key.src, r.srcs), nodeList(s, sp, r.key.dst, r.dsts),
			s.PortSets[r.key.ports].String(), fmt.Sprint(r.pairs)}
	}
	return cells
}
