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

// fuzzLimits keep every input the fuzzer tries cheap: a few KiB, shallow,
// short lists, few policies. Inputs past them still exercise the limit
// checks, which must report positions like any other error.
var fuzzLimits = intent.Limits{Bytes: 4096, Files: 4, Depth: 40, List: 40, Policies: 100, Rules: 200}

// FuzzLoad feeds arbitrary bytes through loading and compiling: neither may
// panic, and every failure must be a diagnostic with a position in the
// input file (file:line:col), never one without a line or pointing only
// into netpolc's embedded schema.
func FuzzLoad(f *testing.F) {
	// Small seeds: the fuzzer mutates them far faster than whole example
	// files, and between them they reach every part of the language.
	for _, seed := range fuzzSeeds {
		f.Add([]byte(seed))
	}
	// The examples run as seeds in a plain `go test`, but are left out of
	// fuzzing: mutating whole example files stalls the engine.
	if fz := flag.Lookup("test.fuzz"); fz == nil || fz.Value.String() == "" {
		names, _ := fs.Glob(examples.FS, "*/*.cue")
		for _, name := range names {
			data, _ := fs.ReadFile(examples.FS, name)
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 2*int(fuzzLimits.Bytes) {
			return // past the size limit nothing more is read
		}
		set, err := intent.LoadFilesWith("fuzz", map[string][]byte{"a.cue": data}, fuzzLimits)
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
			if d.Pos.File != "fuzz/a.cue" || d.Pos.Line <= 0 || d.Pos.Col <= 0 {
				t.Fatalf("diagnostic without a position in fuzz/a.cue:\n%v\ninput:\n%s", d, data)
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
	"package x\nnamespaces: a: workloads: b: ports: p: 70000\n",
	"package x\npolicies: p: {namespace: \"a\", ingress: [{from: [{cidr: \"10.0.0.0/8\", except: [\"11.0.0.0/8\"]}]}]}\n",
	"package x\nimport \"netpolc.dev/templates\"\nuse: t: templates.#Tiers & {namespace: \"a\", tiers: []}\n",
	// What once came out without a position: a structural cycle, a
	// self-reference, an entry that would be dropped, a missing package.
	"package x\n#T: {x: #T}\nnamespaces: a: {}\n",
	"package x\nnamespaces: a: labels: team: namespaces.a.labels.team\n",
	"package x\nuse: d?: {policies: {}}\n",
	"namespaces: a: {}\n",
	"package x\nx: a: b: c: [[[1, 2], 3]] | \"\\(y)\"\n",
}
