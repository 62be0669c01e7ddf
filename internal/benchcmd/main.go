// Command benchcmd is the end-to-end benchmark behind `make bench`. It
// writes generated fixtures (clusters of 5,000, 50,000 and 100,000 pods;
// git repositories of 5,000 and 20,000 synthetic workloads), runs the
// netpolc binary on them (and its own -load mode, the manifests reader
// alone), each run its own process, and prints one table:
// size, phase, wall time, CPU time (user + system) and peak RSS, the median
// of -runs runs, then the compile scaling exponent from 1,000 to 20,000
// workloads. It asserts nothing: numbers are for people and the README.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"text/tabwriter"

	"github.com/netpolc/netpolc/internal/gctune"
	"github.com/netpolc/netpolc/internal/profiling"
)

func main() {
	netpolc := flag.String("netpolc", "bin/netpolc", "the netpolc binary to measure")
	dir := flag.String("dir", filepath.Join(os.TempDir(), "netpolc-bench"), "where the fixtures are written (kept between runs)")
	runs := flag.Int("runs", 3, "runs of each scenario; the table shows the median")
	only := flag.String("only", "", "run only the rows whose size or phase contains this")
	compile := flag.Int("compile", 0, "internal: load and compile N namespaces × 25 synthetic workloads, print the seconds it took")
	per := flag.Int("per", 25, "internal: workloads per namespace of -compile")
	md := flag.Bool("md", false, "print the table as Markdown (for the README)")
	fixtures := flag.Bool("fixtures", false, "internal: write the missing fixtures and exit")
	flag.Parse()
	gctune.Apply() // as the netpolc command does
	// The sizes measured are past the default input limits (100,000
	// objects, 1 MiB of intents, 30,000 policies): lift them, as a user
	// of such a cluster would.
	if os.Getenv("NETPOLC_LIMITS") == "" {
		os.Setenv("NETPOLC_LIMITS", benchLimits)
	}
	if *loadDir != "" {
		if err := loadOnce(*loadDir); err != nil {
			fail(err)
		}
		return
	}
	if *compile > 0 {
		stop := profiling.Start(os.Stderr)
		defer stop()
		if err := compileOnce(*compile, *per); err != nil {
			fail(err)
		}
		return
	}
	bin, err := filepath.Abs(*netpolc)
	if err != nil {
		fail(err)
	}
	self, err := os.Executable()
	if err != nil {
		fail(err)
	}
	b := &bench{netpolc: bin, self: self, dir: *dir, runs: *runs, only: *only}
	if *fixtures {
		if err := b.fixturesNow(); err != nil {
			fail(err)
		}
		return
	}
	rows, err := b.all()
	if err != nil {
		fail(err)
	}
	if *md {
		printMarkdown(os.Stdout, rows)
		return
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "SIZE\tPHASE\tWALL\tCPU\tPEAK RSS\t")
	for _, r := range rows {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t\n", r.size, r.phase, r.wall, r.cpu, r.rss)
	}
	w.Flush()
}

// benchLimits lifts every input bound the benchmark sizes pass.
const benchLimits = "bytes=256MiB,list=100000,policies=1000000,rules=1000000,manifest-bytes=1GiB,manifest-documents=10000000,manifest-objects=10000000"

func fail(err error) {
	fmt.Fprintln(os.Stderr, "benchcmd:", err)
	os.Exit(1)
}
