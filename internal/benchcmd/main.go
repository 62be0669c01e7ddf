// Command benchcmd is the end-to-end benchmark behind `make bench`: it
// compiles generated intents and evaluates generated clusters at the sizes
// the issues name, each scenario in its own process so that its peak
// memory (max RSS) is its own, and prints a table of wall time and peak
// memory. It asserts nothing: numbers are for people and the README.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/netpolc/netpolc/compiler"
	"github.com/netpolc/netpolc/intent"
	"github.com/netpolc/netpolc/internal/gctune"
	"github.com/netpolc/netpolc/internal/pipeline"
	"github.com/netpolc/netpolc/internal/target"
	"github.com/netpolc/netpolc/internal/testkit/gen"
	"github.com/netpolc/netpolc/internal/testkit/synth"
)

// scenario is one measured run.
type scenario struct {
	name string
	run  func() (string, error) // returns a short description of the result
}

func scenarios() []scenario {
	out := []scenario{
		{"build intents 500 ns x 10 workloads", func() (string, error) { return buildIntents(500, 10) }},
		{"build intents 50 ns x 10 workloads", func() (string, error) { return buildIntents(50, 10) }},
	}
	for _, c := range []gen.Config{
		{Seed: 1, Namespaces: 10, Workloads: 100, Policies: 50},
		{Seed: 1, Namespaces: 50, Workloads: 1000, Policies: 500},
		{Seed: 1, Namespaces: 200, Workloads: 5000, Policies: 2000},
		{Seed: 1, Namespaces: 1000, Workloads: 100000, Policies: 20000},
	} {
		c := c
		out = append(out, scenario{
			name: fmt.Sprintf("matrix %d ns / %d workloads / %d policies", c.Namespaces, c.Workloads, c.Policies),
			run:  func() (string, error) { return matrix(c) },
		})
	}
	return out
}

// buildIntents runs the whole build pipeline (load, compile, emit, prove
// equivalent) on generated intents, without writing files.
func buildIntents(namespaces, workloads int) (string, error) {
	src := synth.Intents(namespaces, workloads)
	set, err := intent.LoadFiles("synth", map[string][]byte{"synth.cue": src})
	if err != nil {
		return "", err
	}
	out, err := generateSet(set)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%d files, %d flows", len(out.Files), len(out.Connectivity.Connections)), nil
}

// matrix evaluates a generated cluster: model and full matrix.
func matrix(cfg gen.Config) (string, error) {
	set := gen.Generate(cfg)
	start := time.Now()
	model, err := pipeline.Input{Manifests: set}.Model()
	if err != nil {
		return "", err
	}
	conn := model.Matrix()
	return fmt.Sprintf("%d flows (generation excluded; model+matrix %s)", len(conn.Connections), time.Since(start).Round(time.Millisecond)), nil
}

func main() {
	one := flag.Int("scenario", -1, "run only scenario N in this process (used internally)")
	flag.Parse()
	gctune.Apply() // as the netpolc command does
	all := scenarios()
	if *one >= 0 {
		desc, err := all[*one].run()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Print(desc)
		return
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "SCENARIO\tWALL\tPEAK RSS\tRESULT")
	for i, s := range all {
		cmd := exec.Command(os.Args[0], fmt.Sprintf("-scenario=%d", i))
		cmd.Stderr = os.Stderr
		start := time.Now()
		outb, err := cmd.Output()
		wall := time.Since(start).Round(time.Millisecond)
		rss := "?"
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			rss = fmt.Sprintf("%d MiB", ru.Maxrss/1024)
		}
		result := string(outb)
		if err != nil {
			result = "FAILED: " + err.Error()
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", s.name, wall, rss, result)
		w.Flush()
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
