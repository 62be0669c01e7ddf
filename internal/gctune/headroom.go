package gctune

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
)

// minHeadroom is the least garbage the heap may gather between two
// collections, whatever the live heap (a variable for the tests only).
var minHeadroom uint64 = 1 << 30

// limitFor is the soft memory limit after a collection that left live
// bytes: room for twice the live heap in garbage, or for minHeadroom,
// whichever is more, never past ceiling. Under GOGC=800 alone the next
// collection waits for nine times the live heap: the 100k-pod matrix,
// 284 MB live while its manifests are parsed, grew to 2.3 GB of mostly
// garbage (now 1.25 GB). A heap of a few hundred MB still collects seldom
// (once per GiB allocated), one of several GB as at GOGC=200.
func limitFor(live, ceiling uint64) int64 {
	return int64(min(live+max(2*live, minHeadroom), ceiling))
}

// watchHeadroom sets the limit from limitFor after every collection,
// from a finalizer that re-arms itself: the runtime has no hook that runs
// at the end of a cycle, and a finalizer runs soon after the cycle that
// found its object unreachable.
func watchHeadroom(ceiling uint64) {
	debug.SetMemoryLimit(limitFor(0, ceiling))
	arm(ceiling)
}

// sentinel is the object whose finalizer runs once per collection. It
// holds a pointer so that it is not a tiny allocation (tiny objects share
// a block and may be finalized late or never).
type sentinel struct{ _ *int }

func arm(ceiling uint64) {
	runtime.SetFinalizer(&sentinel{}, func(*sentinel) {
		debug.SetMemoryLimit(limitFor(liveHeap(), ceiling))
		arm(ceiling)
	})
}

// liveHeap is the heap the last collection marked live.
func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}
