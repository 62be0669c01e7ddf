package gctune

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
	"time"
)

// numGC is the number of completed collections.
func numGC() uint32 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.NumGC
}

func TestBuildingCollectsAtTheLastReleaseUnderApply(t *testing.T) {
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "off") // leave the process's limit alone
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer raised.Store(false)

	raised.Store(false)
	debug.SetGCPercent(-1) // no collection but Building's
	before := numGC()
	Building()()
	if got := numGC(); got != before {
		t.Errorf("a release without Apply collected (%d -> %d collections)", before, got)
	}
	Apply()
	if !raised.Load() {
		t.Fatal("Apply with GOGC unset did not raise GOGC")
	}
	debug.SetGCPercent(-1)
	first, second := Building(), Building()
	before = numGC()
	first()
	first() // a second call releases nothing
	if got := numGC(); got != before {
		t.Errorf("a release while another graph is being built collected (%d -> %d collections)", before, got)
	}
	second()
	if got := numGC(); got <= before {
		t.Errorf("the last release under Apply did not collect (%d -> %d collections)", before, got)
	}
	if n := building.Load(); n != 0 {
		t.Errorf("%d graphs still counted as being built", n)
	}
}

func TestApplyKeepsTheUsersGOGC(t *testing.T) {
	t.Setenv("GOGC", "100")
	t.Setenv("GOMEMLIMIT", "off")
	defer raised.Store(false)
	raised.Store(false)
	Apply()
	if raised.Load() {
		t.Error("Apply raised GOGC although the user set it")
	}
}

// gcPercent is the current GOGC.
func gcPercent() int {
	old := debug.SetGCPercent(100)
	debug.SetGCPercent(old)
	return old
}

func TestReleaseLetsTheHeapRegrowIntoWhatItHeld(t *testing.T) {
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "off")
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer raised.Store(false)
	Apply()
	release := Building()
	graph := make([][]byte, 256)
	for i := range graph {
		graph[i] = make([]byte, 1<<20)
	}
	graph = nil
	release()
	if p := gcPercent(); p <= raisedGOGC {
		t.Fatalf("after releasing 256 MB of garbage GOGC is %d, want more than %d", p, raisedGOGC)
	}
	// The next collection puts it back (its finalizer runs soon after).
	for range 100 {
		runtime.GC()
		if gcPercent() == raisedGOGC {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Errorf("GOGC is still %d after the next collections, want %d", gcPercent(), raisedGOGC)
}

// sink keeps an allocation from being optimised away.
var sink []byte

func TestReturnFreedReturnsALargeFreeHeap(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(-1)) // no collection but ReturnFreed's
	defer raised.Store(false)
	released := func() uint64 {
		s := []metrics.Sample{{Name: "/memory/classes/heap/released:bytes"}}
		metrics.Read(s)
		return s[0].Value.Uint64()
	}
	freeHeap := func() {
		sink = make([]byte, 4*returnMin)
		for i := range sink {
			sink[i] = 1 // the pages are the process's
		}
		sink = nil
		runtime.GC() // free, and still held
	}

	raised.Store(false)
	freeHeap()
	before := numGC()
	ReturnFreed()
	time.Sleep(50 * time.Millisecond)
	if got := numGC(); got != before {
		t.Errorf("ReturnFreed without Apply collected (%d -> %d collections)", before, got)
	}

	raised.Store(true)
	freeHeap()
	before, rel := numGC(), released()
	ReturnFreed()
	for deadline := time.Now().Add(10 * time.Second); numGC() == before && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	if numGC() == before {
		t.Fatal("ReturnFreed under Apply did not collect and return the free heap")
	}
	for deadline := time.Now().Add(10 * time.Second); released() < rel+returnMin && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	if got := released(); got < rel+returnMin {
		t.Errorf("released %d bytes, want at least %d more than %d", got, returnMin, rel)
	}

	runtime.GC()
	debug.FreeOSMemory() // nothing left free
	before = numGC()
	ReturnFreed()
	time.Sleep(50 * time.Millisecond)
	if got := numGC(); got != before {
		t.Errorf("ReturnFreed with little free collected (%d -> %d collections)", before, got)
	}
}
