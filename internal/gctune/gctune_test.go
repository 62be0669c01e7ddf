package gctune

import (
	"runtime"
	"runtime/debug"
	"testing"
)

// numGC is the number of completed collections.
func numGC() uint32 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.NumGC
}

func TestReleasedCollectsOnlyUnderApply(t *testing.T) {
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "off") // leave the process's limit alone
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer raised.Store(false)

	raised.Store(false)
	debug.SetGCPercent(-1) // no collection but Released's
	before := numGC()
	Released()
	if got := numGC(); got != before {
		t.Errorf("Released without Apply collected (%d -> %d collections)", before, got)
	}
	Apply()
	if !raised.Load() {
		t.Fatal("Apply with GOGC unset did not raise GOGC")
	}
	before = numGC()
	Released()
	if got := numGC(); got <= before {
		t.Errorf("Released under Apply did not collect (%d -> %d collections)", before, got)
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
