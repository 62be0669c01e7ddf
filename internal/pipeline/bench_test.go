package pipeline

import (
	"testing"

	"github.com/netpolc/netpolc/intent"
	"github.com/netpolc/netpolc/internal/gctune"
	"github.com/netpolc/netpolc/internal/target"
	"github.com/netpolc/netpolc/internal/testkit/synth"
)

// BenchmarkBuild500x10 runs the whole pipeline (load, compile, emit, prove
// equivalent, print) on 500 namespaces of 10 workloads, without writing.
func BenchmarkBuild500x10(b *testing.B) {
	gctune.Apply() // the collector settings of the netpolc command
	src := synth.Intents(500, 10)
	b.ReportAllocs()
	for b.Loop() {
		set, err := intent.LoadFiles("synth", map[string][]byte{"synth.cue": src})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := compileGenerate(set, Options{Targets: target.MustParse("networkpolicy")}); err != nil {
			b.Fatal(err)
		}
	}
}
