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

// Examples compiles every example intents directory (examples.FS) without
// cluster-wide intents and returns the IR by directory name, for golden
// and equivalence tests over every template and target. It compiles once
// per process; callers must not modify the policies.
func Examples() (map[string]*ir.Policy, error) {
	return examplesWhere(func(p *ir.Policy) bool { return len(p.Cluster) == 0 })
}

// PlatformExamples are the examples with cluster-wide intents (the
// platform layer), which only the adminpolicy target expresses so far;
// the other targets refuse them.
func PlatformExamples() (map[string]*ir.Policy, error) {
	return examplesWhere(func(p *ir.Policy) bool { return len(p.Cluster) > 0 })
}

func examplesWhere(keep func(*ir.Policy) bool) (map[string]*ir.Policy, error) {
	examplesOnce.Do(func() { examplesIR, examplesErr = compileExamples() })
	if examplesErr != nil {
		return nil, examplesErr
	}
	out := map[string]*ir.Policy{}
	for name, p := range examplesIR {
		if keep(p) {
			out[name] = p
		}
	}
	return out, nil
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
