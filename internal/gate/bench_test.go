//go:build unix

package gate_test

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/netpolc/netpolc/compiler"
	"github.com/netpolc/netpolc/intent"
	"github.com/netpolc/netpolc/internal/gate"
	"github.com/netpolc/netpolc/internal/gctune"
	"github.com/netpolc/netpolc/internal/output"
	"github.com/netpolc/netpolc/internal/pipeline"
	"github.com/netpolc/netpolc/internal/target"
	"github.com/netpolc/netpolc/internal/testkit/gittest"
	"github.com/netpolc/netpolc/internal/testkit/synth"
)

// BenchmarkVerify200x5000 is the speed target: `netpolc verify` on
// a repository holding 200 namespaces / 5,000 generated workloads and
// their built output, with a staged change to the intents (so base and head
// differ and both are compiled), measured end to end: reading both
// snapshots from git, both compiles, the build, drift, lint, guardrails and
// the connectivity diff.
func BenchmarkVerify200x5000(b *testing.B) { benchVerify(b, 200, 25) }

// BenchmarkVerify20x500 is a tenth of it, for quick comparisons.
func BenchmarkVerify20x500(b *testing.B) { benchVerify(b, 20, 25) }

func benchVerify(b *testing.B, namespaces, workloads int) {
	gctune.Apply() // the collector settings of the netpolc command
	r := gittest.New(b)
	src := synth.Intents(namespaces, workloads)
	buildInto(b, r, src)
	r.Commit("generated cluster")
	// The staged change opens one flow.
	src = fmt.Appendf(src, "policies: \"bench-in\": {namespace: \"ns0001\", workload: \"w%02d\", ingress: [{from: [{workload: \"ns0000/w00\"}], ports: [\"TCP/7000\"]}]}\n", workloads-1)
	src = fmt.Appendf(src, "policies: \"bench-out\": {namespace: \"ns0000\", workload: \"w00\", egress: [{to: [{workload: \"ns0001/w%02d\"}], ports: [\"TCP/7000\"]}]}\n", workloads-1)
	buildInto(b, r, src)
	r.Git("add", "-A")
	repo := openRepoB(b, r)
	var rep *gate.Report
	cpu0 := cpuTime()
	for b.Loop() {
		head, err := repo.Index()
		if err != nil {
			b.Fatal(err)
		}
		base, err := repo.Revision("HEAD")
		if err != nil {
			b.Fatal(err)
		}
		rep, err = gate.Run(gate.Options{Head: head, Base: base, Intents: "intents", Output: outDir, Build: pipeline.Options{Targets: target.MustParse("networkpolicy")}})
		if err != nil {
			b.Fatal(err)
		}
	}
	if rep.Failed() || rep.Diff.Opened+rep.Diff.Changed == 0 {
		b.Fatalf("the benchmark change must verify and open a flow: %s", rep.Summary())
	}
	// CPU time per run: wall time depends on what else the machine does,
	// CPU time does not (the two sides compile in parallel, so on an idle
	// 2-core machine wall time is a little over half of it).
	b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
	b.ReportMetric(float64(rep.Drift.Files), "files")
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// buildInto writes the intents and their built output into the work tree.
func buildInto(b testing.TB, r *gittest.Repo, src []byte) {
	b.Helper()
	r.WriteBytes("intents/synth.cue", src)
	set, err := intent.Load(r.Path("intents"))
	if err != nil {
		b.Fatal(err)
	}
	out, err := generateSet(set)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := output.Write(r.Path(outDir), out.Files); err != nil {
		b.Fatal(err)
	}
}

// generateSet compiles a loaded intents set and builds the networkpolicy
// target.
func generateSet(set *intent.Set) (*pipeline.Output, error) {
	res, err := compiler.Compile(set)
	if err != nil {
		return nil, err
	}
	return pipeline.Generate(res, pipeline.Options{Targets: target.MustParse("networkpolicy")})
}
