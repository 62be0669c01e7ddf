package intent_test

import (
	"encoding/json"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/netpolc/netpolc/compiler"
	"github.com/netpolc/netpolc/examples"
	"github.com/netpolc/netpolc/intent"
	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/testkit/synth"
)

// TestSplitMatchesWhole compiles intents evaluated in parts (every group
// of declarations its own part) and evaluated whole, and requires the same
// outcome: the same IR, origins and warnings included, or the same
// diagnostics. The inputs are every example, the intents of the CLI's
// script tests (error cases among them), a generated cluster and cases
// written to defeat the split: references between declarations, entries
// spread over several declarations, comprehensions, conflicts.
func TestSplitMatchesWhole(t *testing.T) {
	inputs := map[string]map[string][]byte{
		"synth": {"synth.cue": synth.Intents(6, 3)},
	}
	addExamples(t, inputs)
	addScripts(t, inputs)
	for name, src := range splitCases {
		inputs["case/"+name] = map[string][]byte{"a.cue": []byte(src), "b.cue": []byte(splitOther)}
	}
	for name, files := range inputs {
		t.Run(name, func(t *testing.T) {
			restore := intent.SplitForTest(1<<62, 1)
			whole, wholeParts := compileOutcome(t, files)
			restore()
			defer intent.SplitForTest(0, 1)()
			split, parts := compileOutcome(t, files)
			if wholeParts > 1 {
				t.Fatalf("evaluated whole: %d parts", wholeParts)
			}
			if mustBeWhole[strings.TrimPrefix(name, "case/")] && parts != 1 {
				t.Errorf("evaluated in %d parts, want whole (%.200s)", parts, split)
			}
			if split != whole {
				t.Errorf("in %d parts:\n%s\nwhole:\n%s", parts, split, whole)
			}
			if name == "synth" && parts < 20 {
				t.Errorf("the generated cluster was evaluated in %d parts, want one per group of declarations", parts)
			}
		})
	}
}

// compileOutcome loads and compiles files, and prints the IR and warnings
// or the diagnostics, with the number of parts.
func compileOutcome(t *testing.T, files map[string][]byte) (string, int) {
	t.Helper()
	set, err := intent.LoadFiles("intents", files)
	if err != nil {
		return "load: " + diag.Collect(err).Error(), 0
	}
	res, err := compiler.Compile(set)
	if err != nil {
		return "compile: " + diag.Collect(err).Error(), len(set.Parts())
	}
	ir, err := json.MarshalIndent(res.Policy, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(ir) + "\nwarnings: " + res.Warnings.Error(), len(set.Parts())
}

func addExamples(t *testing.T, inputs map[string]map[string][]byte) {
	names, err := fs.Glob(examples.FS, "*/*.cue")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		data, err := fs.ReadFile(examples.FS, n)
		if err != nil {
			t.Fatal(err)
		}
		dir := "example/" + path.Dir(n)
		if inputs[dir] == nil {
			inputs[dir] = map[string][]byte{}
		}
		inputs[dir][path.Base(n)] = data
	}
}

// addScripts adds the .cue files of each directory of each script test.
func addScripts(t *testing.T, inputs map[string]map[string][]byte) {
	scripts, err := filepath.Glob("../internal/cli/testdata/script/*.txtar")
	if err != nil || len(scripts) == 0 {
		t.Fatalf("no script tests: %v", err)
	}
	for _, s := range scripts {
		data, err := os.ReadFile(s)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range txtar.Parse(data).Files {
			if !strings.HasSuffix(f.Name, ".cue") {
				continue
			}
			dir := "script/" + filepath.Base(s) + "/" + path.Dir(f.Name)
			if inputs[dir] == nil {
				inputs[dir] = map[string][]byte{}
			}
			inputs[dir][path.Base(f.Name)] = f.Data
		}
	}
}

// splitOther is a second file of every case: declarations the case's own
// may collide with.
const splitOther = `package t

import "netpolc.dev/templates"

namespaces: shop: workloads: web: ports: http: 8080
namespaces: shop: labels: team: "shop"
use: "shop-deny": templates.#DefaultDeny & {namespace: "shop"}
`

// mustBeWhole are the cases whose declarations depend on each other.
var mustBeWhole = map[string]bool{"top-level reference": true, "reference across files": true, "let": true,
	"embedding": true}

// splitCases are first files that a split could get wrong.
var splitCases = map[string]string{
	"entry spread over files": `package t
namespaces: shop: workloads: db: ports: pg: 5432
namespaces: other: workloads: x: {}
policies: "db-in": {namespace: "shop", workload: "db", ingress: [{from: [{workload: "shop/web"}], ports: ["pg"]}]}
`,
	"top-level reference": `package t
namespaces: other: workloads: x: ports: http: namespaces.shop.workloads.web.ports.http
`,
	"reference across files": `package t
policies: p: {namespace: "shop", workload: "web", ingress: [{from: [{workload: "shop/web"}], ports: ["TCP/\(namespaces.shop.workloads.web.ports.http)"]}]}
`,
	"let": `package t
let team = "other"
namespaces: other: labels: "team": team
`,
	"comprehension in a collection": `package t
import "netpolc.dev/templates"
namespaces: {for n in ["a", "b"] {(n): workloads: w: {}}}
use: {for n in ["a", "b"] {"\(n)-deny": templates.#DefaultDeny & {namespace: n}}}
`,
	"braced collection": `package t
namespaces: {other: workloads: x: {}, third: workloads: y: ports: http: 80}
policies: {"a": {namespace: "other", workload: "x", ingress: [{from: [{workload: "third/y"}]}]}}
`,
	"conflict in one entry": `package t
namespaces: shop: workloads: web: ports: http: 9090
`,
	"unknown field": `package t
namespaces: other: workload: x: {}
`,
	"unused import": `package t
import "strings"
namespaces: other: workloads: x: {}
`,
	"pattern at top level": `package t
namespaces: [string]: labels: env: "prod"
namespaces: other: workloads: x: {}
`,
	"embedding": `package t
{namespaces: other: workloads: x: {}}
`,
	"cluster settings": `package t
namespaces: kube: workloads: dns: {}
cluster: dns: namespace: "kube"
cluster: dns: labels: app: "dns"
`,
	"guardrail and expect": `package t
namespaces: other: workloads: x: {}
guardrails: "web only": onlyFrom: {to: ["shop/web"], from: ["other/x"]}
expect: "x to web": {from: "other/x", to: "shop/web", port: "TCP/8080", allowed: false}
`,
	"compile error": `package t
policies: "bad": {namespace: "shop", workload: "nope", ingress: [{from: [{workload: "shop/web"}]}]}
`,
	"optional entry": `package t
use: deny?: {}
`,
}

// FuzzSplit: whatever the input, evaluating it in parts (every group of
// declarations its own part) and whole gives the same outcome.
func FuzzSplit(f *testing.F) {
	for _, seed := range fuzzSeeds {
		f.Add([]byte(seed))
	}
	for _, src := range splitCases {
		f.Add([]byte(src))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 2*int(fuzzLimits.Bytes) {
			return
		}
		// The second file in the input's package, so that the two can
		// be split.
		other := splitOther
		if m := packageClause.FindSubmatch(data); m != nil {
			other = strings.Replace(other, "package t", "package "+string(m[1]), 1)
		}
		files := map[string][]byte{"a.cue": data, "b.cue": []byte(other)}
		restore := intent.SplitForTest(1<<62, 1)
		whole := fuzzOutcome(files)
		restore()
		defer intent.SplitForTest(0, 1)()
		if split := fuzzOutcome(files); split != whole {
			t.Fatalf("in parts:\n%s\nwhole:\n%s\ninput:\n%s", split, whole, data)
		}
	})
}

var packageClause = regexp.MustCompile(`(?m)^package ([A-Za-z_][A-Za-z0-9_]*)`)

// fuzzOutcome is compileOutcome within the fuzz limits.
func fuzzOutcome(files map[string][]byte) string {
	set, err := intent.LoadFilesWith("fuzz", files, fuzzLimits)
	if err != nil {
		return "load: " + diag.Collect(err).Error()
	}
	res, err := compiler.Compile(set)
	if err != nil {
		return "compile: " + diag.Collect(err).Error()
	}
	ir, err := json.Marshal(res.Policy)
	if err != nil {
		return "marshal: " + err.Error()
	}
	return string(ir) + "\nwarnings: " + res.Warnings.Error()
}
