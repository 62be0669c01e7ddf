package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/netpolc/netpolc/compiler"
	"github.com/netpolc/netpolc/intent"
	"github.com/netpolc/netpolc/internal/testkit/synth"
)

// compileSizes are the namespaces (× 25 workloads) of the compile rows:
// 1,000, 5,000 and 20,000 workloads.
var compileSizes = []int{40, 200, 800}

// compileOnce is the child process of a compile row: it generates the
// intents (namespaces × per workloads), then loads and compiles them, and prints the seconds the load
// and compile took.
func compileOnce(namespaces, per int) error {
	src := synth.Intents(namespaces, per)
	start := time.Now()
	set, err := intent.LoadFiles("synth", map[string][]byte{"synth.cue": src})
	if err != nil {
		return err
	}
	if _, err := compiler.Compile(set); err != nil {
		return err
	}
	fmt.Printf("%.4f\n", time.Since(start).Seconds())
	return nil
}

// exponent measures the compile rows and the scaling exponent k of
// time ∝ workloads^k from the smallest to the largest, from the load and
// compile time each child reports (process start and intents generation
// excluded).
func (b *bench) exponent() ([]row, error) {
	var rows []row
	var inner []float64
	for _, ns := range compileSizes {
		var samples []sample
		for i := 0; i < max(b.runs, 1); i++ {
			s, err := run(".", []string{b.self, "-compile", strconv.Itoa(ns)}, true)
			if err != nil {
				return nil, err
			}
			samples = append(samples, s)
		}
		inner = append(inner, median(samples, func(s sample) float64 {
			v, _ := strconv.ParseFloat(strings.TrimSpace(s.stdout), 64)
			return v
		}))
		rows = append(rows, row{size: fmt.Sprintf("%s workloads", thousands(ns*25)), phase: "compile (load + compile)",
			wall: seconds(inner[len(inner)-1]),
			cpu:  seconds(median(samples, func(s sample) float64 { return s.cpu.Seconds() })),
			rss:  mib(median(samples, func(s sample) float64 { return float64(s.rss) }))})
		fmt.Fprintf(os.Stderr, "%s %s: %s\n", rows[len(rows)-1].size, rows[len(rows)-1].phase, rows[len(rows)-1].wall)
	}
	first, last := inner[0], inner[len(inner)-1]
	k := math.Log(last/first) / math.Log(float64(compileSizes[len(compileSizes)-1])/float64(compileSizes[0]))
	rows = append(rows, row{size: fmt.Sprintf("%s → %s workloads", thousands(compileSizes[0]*25), thousands(compileSizes[len(compileSizes)-1]*25)),
		phase: "compile scaling exponent (time ∝ N^k)", wall: fmt.Sprintf("k = %.2f", k), cpu: "", rss: ""})
	return rows, nil
}

// median of f over the samples.
func median(samples []sample, f func(sample) float64) float64 {
	v := make([]float64, len(samples))
	for i, s := range samples {
		v[i] = f(s)
	}
	slices.Sort(v)
	return v[len(v)/2]
}

func seconds(s float64) string {
	if s < 1 {
		return fmt.Sprintf("%.0f ms", s*1000)
	}
	return fmt.Sprintf("%.2f s", s)
}

func mib(bytes float64) string { return fmt.Sprintf("%.0f MiB", bytes/(1<<20)) }

// thousands writes n as 1k, 20k.
func thousands(n int) string {
	if n%1000 == 0 {
		return fmt.Sprintf("%dk", n/1000)
	}
	return strconv.Itoa(n)
}

// printMarkdown prints the rows as a Markdown table.
func printMarkdown(w io.Writer, rows []row) {
	fmt.Fprintln(w, "| size | phase | wall | CPU | peak RSS |")
	fmt.Fprintln(w, "| --- | --- | ---: | ---: | ---: |")
	for _, r := range rows {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", r.size, r.phase, r.wall, r.cpu, r.rss)
	}
}
