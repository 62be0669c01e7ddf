package intent

import (
	"testing"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/build"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/load"
	"cuelang.org/go/cue/parser"

	"github.com/netpolc/netpolc/internal/testkit/synth"
)

// TestDirectInstanceIsTheLoaders: a part built without cue/load
// (directInstance) evaluates to the value the loader's instance gives,
// for every part of a generated cluster (closed by the schema, as
// evaluatePart builds them, and raw); and what only the loader handles
// is refused, for the loader to do.
func TestDirectInstanceIsTheLoaders(t *testing.T) {
	src := synth.Intents(6, 3)
	asts, diags := (&Set{Limits: DefaultLimits}).parseFiles(map[string][]byte{"synth.cue": src}, int64(len(src)))
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	defer func(min, part int64) { splitMin, partBytes = min, part }(splitMin, partBytes)
	splitMin, partBytes = 0, 1
	plan := splitPlan(asts, int64(len(src)))
	if len(plan) < 10 {
		t.Fatalf("%d parts", len(plan))
	}
	for i, pp := range plan {
		for kind, files := range map[string]map[string]*ast.File{"closed": closedFiles(pp.files), "raw": pp.raw} {
			direct, ok := directInstance(files)
			if !ok {
				t.Fatalf("part %d %s: refused", i, kind)
			}
			if got, want := evaluated(t, direct), evaluated(t, loaded(t, files)); got != want {
				t.Fatalf("part %d %s:\n%s\nthe loader's:\n%s", i, kind, got, want)
			}
		}
	}
	for name, text := range map[string]string{
		"attribute":      "@if(prod)\npackage t\n\nnamespaces: a: {}\n",
		"no package":     "namespaces: a: {}\n",
		"unknown import": "package t\n\nimport \"example.com/x\"\n\nnamespaces: a: labels: x.y\n",
	} {
		f, err := parser.ParseFile(virtualRoot+"/a.cue", text, parserConfig)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := directInstance(map[string]*ast.File{"a.cue": f}); ok {
			t.Errorf("%s: built without the loader", name)
		}
	}
}

// loaded is the instance cue/load makes of files (as loadPart did).
func loaded(t *testing.T, files map[string]*ast.File) *build.Instance {
	t.Helper()
	overlay, err := buildOverlay(files)
	if err != nil {
		t.Fatal(err)
	}
	insts := load.Instances([]string{"."}, &load.Config{Dir: virtualRoot, ModuleRoot: virtualRoot, Overlay: overlay})
	if len(insts) != 1 || insts[0].Err != nil {
		t.Fatalf("load: %v", insts[0].Err)
	}
	return insts[0]
}

// evaluated is an instance's value as JSON, its definitions included.
func evaluated(t *testing.T, inst *build.Instance) string {
	t.Helper()
	v := cuecontext.New().BuildInstance(inst)
	if d := v.LookupPath(cue.MakePath(cue.Def("#Intents"))); d.Exists() {
		v = d
	}
	data, err := v.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
