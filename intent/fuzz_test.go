package intent_test

import (
	"errors"
	"flag"
	"io/fs"
	"testing"

	"github.com/netpolc/netpolc/compiler"
	"github.com/netpolc/netpolc/examples"
	"github.com/netpolc/netpolc/intent"
	"github.com/netpolc/netpolc/internal/diag"
)

// FuzzLoad feeds arbitrary bytes through loading and compiling: neither may
// panic, and every failure must be a positioned diagnostic naming the file.
func FuzzLoad(f *testing.F) {
	// Small seeds: the fuzzer mutates them far faster than whole example
	// files, and between them they reach every part of the language.
	for _, seed := range fuzzSeeds {
		f.Add([]byte(seed))
	}
	f.Add([]byte("package x\nnamespaces: a: workloads: b: ports: p: 70000\n"))
	// The examples run as seeds in a plain `go test`, but are left out of
	// fuzzing: mutating whole example files stalls the engine.
	if fz := flag.Lookup("test.fuzz"); fz == nil || fz.Value.String() == "" {
		names, _ := fs.Glob(examples.FS, "*/*.cue")
		for _, name := range names {
			data, _ := fs.ReadFile(examples.FS, name)
			f.Add(data)
		}
	}
	f.Add([]byte("package x\npolicies: p: {namespace: \"a\", ingress: [{from: [{cidr: \"10.0.0.0/8\", except: [\"11.0.0.0/8\"]}]}]}\n"))
	f.Add([]byte("package x\nimport \"netpolc.dev/templates\"\nuse: t: templates.#Tiers & {namespace: \"a\", tiers: []}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		set, err := intent.LoadFiles("fuzz", map[string][]byte{"a.cue": data})
		if err == nil {
			_, err = compiler.Compile(set)
		}
		if err == nil {
			return
		}
		var list diag.List
		if !errors.As(err, &list) || len(list) == 0 {
			t.Fatalf("error is not a diagnostic list: %T %v", err, err)
		}
		for _, d := range list {
			if d.Pos.File == "" {
				t.Fatalf("diagnostic without a file: %v", d)
			}
		}
	})
}

var fuzzSeeds = []string{
	"package x\nnamespaces: a: workloads: w: ports: http: 8080\npolicies: p: {namespace: \"a\", workload: \"w\", ingress: [{from: [{workload: \"w\"}], ports: [\"http\"]}]}\n",
	"package x\nimport \"netpolc.dev/templates\"\nnamespaces: a: {}\nuse: d: templates.#DefaultDeny & {namespace: \"a\"}\n",
	"package x\nimport \"netpolc.dev/templates\"\nnamespaces: a: workloads: {w: ports: p: 1, v: ports: q: 2}\nuse: t: templates.#Tiers & {namespace: \"a\", tiers: [{workload: \"w\", ports: [\"p\"]}, {workload: \"v\", ports: [\"q\"]}]}\n",
	"package x\nnamespaces: a: {}\npolicies: p: {namespace: \"a\", egress: [{to: [{cidr: \"10.0.0.0/8\", except: [\"10.1.0.0/16\"]}, {dns: true}, {world: true}], ports: [\"UDP/53\", \"TCP/8000-8100\", {port: 9, endPort: 10}]}]}\n",
	"package x\nnamespaces: a: labels: team: \"t\"\npolicies: p: {namespace: \"a\", podSelector: matchExpressions: [{key: \"k\", operator: \"In\", values: [\"v\"]}], ingress: [{from: [{namespaceSelector: matchLabels: team: \"t\", podSelector: {}}]}]}\n",
	"package x\nnamespaces: a: workloads: w: {}\nexpect: e: {from: \"a/w\", to: \"a/w\", port: \"TCP/1\", allowed: true}\nguardrails: g: deny: {from: \"world\", to: \"a/*\"}\n",
}
