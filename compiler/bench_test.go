package compiler_test

import (
	"testing"

	"github.com/netpolc/netpolc/compiler"
	"github.com/netpolc/netpolc/intent"
	"github.com/netpolc/netpolc/internal/gctune"
	"github.com/netpolc/netpolc/internal/testkit/synth"
)

// BenchmarkCompile500x10 loads and compiles 500 namespaces of 10 workloads
// (5,000 workloads) written with the built-in templates.
func BenchmarkCompile500x10(b *testing.B) { benchCompile(b, 500, 10) }

// BenchmarkCompile50x10 is the same at a tenth of the size.
func BenchmarkCompile50x10(b *testing.B) { benchCompile(b, 50, 10) }

func benchCompile(b *testing.B, namespaces, workloads int) {
	gctune.Apply() // the collector settings of the netpolc command
	src := synth.Intents(namespaces, workloads)
	b.ReportAllocs()
	for b.Loop() {
		set, err := intent.LoadFiles("synth", map[string][]byte{"synth.cue": src})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := compiler.Compile(set); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompile200x25 is 5,000 workloads as `make bench` counts them:
// 200 namespaces of 25.
func BenchmarkCompile200x25(b *testing.B) { benchCompile(b, 200, 25) }

// BenchmarkCompile40x25 is 1,000 workloads, the small end of the scaling
// exponent `make bench` prints.
func BenchmarkCompile40x25(b *testing.B) { benchCompile(b, 40, 25) }
