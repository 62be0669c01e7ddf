package importer

import (
	"errors"
	"fmt"

	"github.com/netpolc/netpolc/compiler"
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
// naming the flows that differ.
func prove(set *manifests.Set, src []byte) error {
	loaded, err := intent.LoadFiles("imported", map[string][]byte{FileName: src})
	if err != nil {
		return fmt.Errorf("import: the generated intents do not load (a netpolc bug): %w", err)
	}
	compiled, err := compiler.Compile(loaded)
	if err != nil {
		return fmt.Errorf("import: the generated intents do not compile (a netpolc bug): %w", err)
	}
	want, err := pipeline.Input{Manifests: set}.Model()
	if err != nil {
		return err
	}
	got, err := pipeline.Input{Intents: compiled, Manifests: &manifests.Set{Inventory: set.Inventory}}.Model()
	if err != nil {
		return err
	}
	if err := proof.Equal("imported intents", want.Matrix(), got.Matrix()); err != nil {
		return fmt.Errorf("import: the imported intents would not allow exactly what the input policies allow, so nothing was written: %w", err)
	}
	return nil
}
