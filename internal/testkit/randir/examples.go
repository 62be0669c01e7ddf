package randir

import (
	"fmt"
	"io/fs"
	"path"
	"sync"

	"github.com/netpolc/netpolc/compiler"
	"github.com/netpolc/netpolc/examples"
	"github.com/netpolc/netpolc/intent"
	"github.com/netpolc/netpolc/internal/ir"
)

var (
	examplesOnce sync.Once
	examplesIR   map[string]*ir.Policy
	examplesErr  error
)

// Examples compiles every example intents directory (examples.FS) and
// returns the IR by directory name, for golden and equivalence tests over
// every template. It compiles once per process; callers must not modify
// the policies.
func Examples() (map[string]*ir.Policy, error) {
	examplesOnce.Do(func() { examplesIR, examplesErr = compileExamples() })
	return examplesIR, examplesErr
}

func compileExamples() (map[string]*ir.Policy, error) {
	dirs, err := fs.ReadDir(examples.FS, ".")
	if err != nil {
		return nil, err
	}
	out := map[string]*ir.Policy{}
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		files := map[string][]byte{}
		entries, err := fs.ReadDir(examples.FS, d.Name())
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			data, err := fs.ReadFile(examples.FS, path.Join(d.Name(), e.Name()))
			if err != nil {
				return nil, err
			}
			files[e.Name()] = data
		}
		set, err := intent.LoadFiles(path.Join("examples", d.Name()), files)
		if err != nil {
			return nil, fmt.Errorf("example %s: %w", d.Name(), err)
		}
		res, err := compiler.Compile(set)
		if err != nil {
			return nil, fmt.Errorf("example %s: %w", d.Name(), err)
		}
		out[d.Name()] = res.Policy
	}
	return out, nil
}
