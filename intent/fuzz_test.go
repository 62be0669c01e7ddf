package intent_test

import (
	"errors"
	"io/fs"
	"testing"

	"github.com/netpolc/netpolc/compiler"
	"github.com/netpolc/netpolc/diag"
	"github.com/netpolc/netpolc/examples"
	"github.com/netpolc/netpolc/intent"
)

// FuzzLoad feeds arbitrary bytes through loading and compiling: neither may
// panic, and every failure must be a positioned diagnostic naming the file.
func FuzzLoad(f *testing.F) {
	seeds, _ := fs.Glob(examples.FS, "*/*.cue")
	for _, name := range seeds {
		data, _ := fs.ReadFile(examples.FS, name)
		f.Add(data)
	}
	f.Add([]byte("package x\nnamespaces: a: workloads: b: ports: p: 70000\n"))
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
