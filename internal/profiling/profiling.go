// Package profiling writes pprof profiles of a whole process when the
// environment asks for them: netpolc's commands and the benchmark's
// in-process compile both start it first.
package profiling

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
)

// Start writes a CPU profile of the whole command to the file
// NETPOLC_CPUPROFILE names, and a heap profile of every allocation to the
// file NETPOLC_MEMPROFILE names, for `go tool pprof` (the README's
// performance section says how the figures were found); without them
// nothing happens. The returned func ends the profiles.
func Start(stderr io.Writer) (stop func()) {
	cpu := startCPUProfile(stderr)
	mem := os.Getenv("NETPOLC_MEMPROFILE")
	if mem == "" {
		return cpu
	}
	return func() {
		cpu()
		writeHeapProfile(stderr, mem)
	}
}

// writeHeapProfile writes the allocation profile to path: its
// alloc_space view shows where the bytes of the peak came from.
func writeHeapProfile(stderr io.Writer, path string) {
	runtime.GC() // the profile counts what the last collection saw
	f, err := os.Create(path)
	if err == nil {
		err = pprof.Lookup("allocs").WriteTo(f, 0)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "netpolc: NETPOLC_MEMPROFILE: %v (no profile written)\n", err)
	}
}

func startCPUProfile(stderr io.Writer) (stop func()) {
	path := os.Getenv("NETPOLC_CPUPROFILE")
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintf(stderr, "netpolc: NETPOLC_CPUPROFILE: %v (no profile written)\n", err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintf(stderr, "netpolc: NETPOLC_CPUPROFILE: %v (no profile written)\n", err)
		f.Close()
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}
