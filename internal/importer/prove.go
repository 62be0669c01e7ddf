package importer

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/netpolc/netpolc/compiler"
	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/enforcer/proof"
	"github.com/netpolc/netpolc/intent"
	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/manifests"
	"github.com/netpolc/netpolc/internal/pipeline"
)

// joinErrs is the diagnostics of errs as one sorted list, or nil.
func joinErrs(errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	return diag.Collect(errors.Join(errs...))
}

// prove compiles the imported intents and compares their matrix over the
// input's workloads with the input policies' own: equal, or an error
// naming the flows that differ, and the namespaces of their ends.
func prove(set *manifests.Set, src []byte) (map[string]bool, error) {
	loaded, err := intent.LoadFiles("imported", map[string][]byte{FileName: src})
	if err != nil {
		return nil, fmt.Errorf("import: the generated intents do not load (a netpolc bug): %w", err)
	}
	compiled, err := compiler.Compile(loaded)
	if err != nil {
		return nil, relocate(err, src)
	}
	want, err := pipeline.Input{Manifests: set}.Model()
	if err != nil {
		return nil, err
	}
	got, err := pipeline.Input{Intents: compiled, Manifests: &manifests.Set{Inventory: set.Inventory}}.Model()
	if err != nil {
		return nil, err
	}
	wm, gm := want.Matrix(), got.Matrix()
	if err := proof.Equal("imported intents", wm, gm); err != nil {
		involved := map[string]bool{}
		d := enforcer.Diff(wm, gm)
		for _, c := range slices.Concat(d.Opened, d.Closed, d.Changed) {
			for _, e := range []string{c.Src, c.Dst} {
				if ns, _, ok := strings.Cut(e, "/"); ok && !strings.Contains(ns, ":") && !strings.Contains(ns, ".") {
					involved[ns] = true
				}
			}
		}
		return involved, fmt.Errorf("import: the imported intents would not allow exactly what the input policies allow, so nothing was written: %w", err)
	}
	return nil, nil
}
