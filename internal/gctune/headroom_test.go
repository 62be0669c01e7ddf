package gctune

import (
	"math"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

func TestLimitForLeavesRoomForTwiceTheLiveHeapOrAGiB(t *testing.T) {
	const gib = 1 << 30
	for _, tc := range []struct {
		live, ceiling uint64
		want          int64
	}{
		{0, 8 * gib, gib},
		{300 << 20, 8 * gib, gib + 300<<20},
		{3 * gib, 16 * gib, 9 * gib},
		{3 * gib, 8 * gib, 8 * gib},
		{3 * gib, 4 * gib, 4 * gib}, // never past the RAM ceiling
	} {
		if got := limitFor(tc.live, tc.ceiling); got != tc.want {
			t.Errorf("limitFor(%d, %d) = %d, want %d", tc.live, tc.ceiling, got, tc.want)
		}
	}
}

func TestHeadroomFollowsEveryCollection(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(math.MaxInt64))
	defer func(m uint64) { minHeadroom = m }(minHeadroom)
	minHeadroom = 16 << 20
	const ceiling = 64 << 30
	watchHeadroom(ceiling)
	if got := debug.SetMemoryLimit(-1); got != limitFor(0, ceiling) {
		t.Fatalf("limit after watchHeadroom = %d, want %d", got, limitFor(0, ceiling))
	}
	// Keep more than minHeadroom live so that the limit must move
	// above its start once a collection has seen it.
	live := make([]byte, minHeadroom+32<<20)
	for i := range live {
		live[i] = 1
	}
	start := limitFor(0, ceiling)
	for range 3 { // each collection re-arms the watch: the limit keeps following
		deadline := time.Now().Add(10 * time.Second)
		for debug.SetMemoryLimit(-1) == start && time.Now().Before(deadline) {
			runtime.GC()
			time.Sleep(10 * time.Millisecond) // the finalizer runs on its own goroutine
		}
		if got := debug.SetMemoryLimit(-1); got < int64(3*len(live)) {
			t.Fatalf("limit %d with %d bytes live: want room for twice as much garbage", got, len(live))
		}
		debug.SetMemoryLimit(start)
	}
	runtime.KeepAlive(live)
}

func TestBoundGarbageNeedsApplysOwnSettings(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(math.MaxInt64))
	defer func(c uint64, r bool) { ceiling.Store(c); raised.Store(r) }(ceiling.Load(), raised.Load())
	ceiling.Store(0) // the user's GOMEMLIMIT
	raised.Store(true)
	BoundGarbage()
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Errorf("BoundGarbage under the user's memory limit changed it to %d", got)
	}
}
