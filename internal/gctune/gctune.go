// Package gctune sets the garbage collector up for netpolc's workload: a
// short-lived batch process whose heap is mostly the CUE graph and the
// connectivity tables. Collecting less often cuts a large verify's time by
// a third (measured: 3.4 s → 2.5 s at 5,000 workloads); a soft memory limit
// of a quarter of the RAM keeps small machines safe, and a headroom
// limit (headroom.go) keeps a large live heap from growing nine times.
package gctune

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"
)

// raised says that Apply raised GOGC: the process collects seldom.
var raised atomic.Bool

// Apply raises GOGC to 800 and sets a soft memory limit of a quarter of the
// machine's RAM, unless the user set GOGC or GOMEMLIMIT.
func Apply() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(raisedGOGC)
		raised.Store(true)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		if total := totalRAM(); total > 0 {
			debug.SetMemoryLimit(int64(total / 4))
			ceiling.Store(total / 4)
		}
	}
}

// ceiling is the soft memory limit Apply set (0: none, the user's own).
var ceiling atomic.Uint64

// BoundGarbage bounds the garbage between two collections to twice the
// live heap or 1 GiB (headroom.go), for a command whose live heap stays
// small while it allocates much more than it (the matrix streams
// gigabytes from a model of a few hundred MB). It does nothing unless
// Apply set both GOGC and the memory limit. Other commands do without:
// their heap grows as the intents are evaluated, and a limit following it
// made a 20,000-workload verify collect and return pages more often
// (1 s more CPU, a larger peak) where gctune.Building already collects
// at the right moments.
func BoundGarbage() {
	if c := ceiling.Load(); c > 0 && raised.Load() {
		boundOnce.Do(func() { watchHeadroom(c) })
	}
}

var boundOnce sync.Once

// building counts the graphs being built (Building) not yet released.
var building atomic.Int32

// Building says that a large graph is being built that becomes garbage
// when the returned func is called: the CUE values of an intents set,
// loaded and compiled. Under Apply's GOGC the next collection comes only
// at nine times the heap of the last one, which was taken while the
// values were being built, so what follows (emit, proof, output) would
// take fresh pages instead of the freed ones and peak RSS would be the sum
// of both phases (a build of 5,000 workloads: 1.35 GiB and 340,000 page
// faults). The last graph released is collected at once: the live heap
// is small then (11 MB at 5,000 workloads, a few milliseconds of marking)
// and peak RSS and page faults halve; the heap then grows back into the
// pages it held before it collects again (regrowInto). While another graph is still being
// built (verify loads both sides at once) the collection waits for it:
// it would mark that graph for nothing. Nothing is collected unless
// Apply raised GOGC.
func Building() (released func()) {
	building.Add(1)
	var once sync.Once
	return func() {
		once.Do(func() {
			if building.Add(-1) == 0 && raised.Load() {
				held := heapHeld()
				runtime.GC()
				regrowInto(held)
			}
		})
	}
}

// regrowInto lets the heap grow back into the held bytes it had before
// the collection that freed the graph, before it collects again: those
// pages are the process's already, so reusing them costs no page fault,
// while a collection at nine times the small live heap (337 MB after a
// 20,000-workload compile) would mark what the emitters and the proof
// keep (300 MB) for nothing. The next collection, whenever it comes,
// puts GOGC back (a finalizer runs after it).
func regrowInto(held uint64) {
	live := liveHeap()
	if live == 0 || held <= live*(1+raisedGOGC/100) {
		return
	}
	debug.SetGCPercent(int(min((held/live-1)*100, maxRegrowGOGC)))
	runtime.SetFinalizer(&sentinel{}, func(*sentinel) {
		if raised.Load() {
			debug.SetGCPercent(raisedGOGC)
		}
	})
}

// raisedGOGC is the GOGC Apply sets; maxRegrowGOGC bounds regrowInto's.
const (
	raisedGOGC    = 800
	maxRegrowGOGC = 100000
)

// heapHeld is the heap memory the process holds: objects (live or not
// yet swept), free spans not returned to the system, and the unused
// parts of spans.
func heapHeld() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/heap/free:bytes"}, {Name: "/memory/classes/heap/unused:bytes"}}
	metrics.Read(s)
	var total uint64
	for _, x := range s {
		if x.Value.Kind() == metrics.KindUint64 {
			total += x.Value.Uint64()
		}
	}
	return total
}

// returnMin is the free heap below which ReturnFreed does nothing.
const returnMin = 64 << 20

// ReturnFreed returns the heap's free pages to the system, on another
// goroutine, when Apply raised GOGC and more than returnMin is free. After
// a large build most of the heap is free but held (regrowInto), and the
// process's exit would free those pages one by one after the last output
// (0.15 s for the 1.3 GB a 20,000-workload build holds); called as the
// process begins to wait for the disk, that work overlaps the wait. A
// process that exits first has lost nothing.
func ReturnFreed() {
	if raised.Load() && heapHeld() > liveHeap()+returnMin {
		go debug.FreeOSMemory()
	}
}
