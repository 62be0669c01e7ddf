package intent_test

import (
	"testing"

	"github.com/netpolc/netpolc/intent"
	"github.com/netpolc/netpolc/internal/gctune"
	"github.com/netpolc/netpolc/internal/testkit/synth"
)

// BenchmarkLoad500x10 loads (evaluates and validates) generated intents of
// 500 namespaces with 10 workloads each; compile cost is measured
// separately in package compiler.
func BenchmarkLoad500x10(b *testing.B) {
	gctune.Apply() // the collector settings of the netpolc command
	src := synth.Intents(500, 10)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := intent.LoadFiles("synth", map[string][]byte{"synth.cue": src}); err != nil {
			b.Fatal(err)
		}
	}
}
