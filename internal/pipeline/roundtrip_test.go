package pipeline

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/enforcer/proof"
	"github.com/netpolc/netpolc/internal/manifests"
	"github.com/netpolc/netpolc/internal/target"
)

// TestEmittedYAMLMatchesIntents reads back the YAML that build writes for
// every example, as a user's cluster would get it, and requires the model
// over those NetworkPolicies to give exactly the intents' own matrix.
func TestEmittedYAMLMatchesIntents(t *testing.T) {
	dirs, _ := filepath.Glob("../../examples/*")
	for _, dir := range dirs {
		if strings.HasSuffix(dir, ".go") {
			continue
		}
		t.Run(filepath.Base(dir), func(t *testing.T) {
			if exampleTarget(t, dir) != "networkpolicy" {
				t.Skip("DNS-name peers or the platform layer: NetworkPolicy cannot express them (TestExamplesGolden builds this example for " + exampleTarget(t, dir) + ")")
			}
			out, err := Run(Sources{IntentsDir: dir}, Options{Targets: target.MustParse("networkpolicy")})
			if err != nil {
				t.Fatal(err)
			}
			var files []manifests.File
			for _, f := range out.Files {
				if strings.HasPrefix(f.Path, "networkpolicy/") && !strings.HasSuffix(f.Path, "kustomization.yaml") {
					files = append(files, manifests.File{Name: f.Path, Data: f.Data})
				}
			}
			set, err := manifests.ParseFiles(files...)
			if err != nil {
				t.Fatal(err)
			}
			if len(set.NetworkPolicies) != len(files) {
				t.Fatalf("read %d NetworkPolicies from %d files", len(set.NetworkPolicies), len(files))
			}
			pols, err := manifestPolicies(set)
			if err != nil {
				t.Fatal(err)
			}
			model, err := enforcer.New(enforcer.IntentsInventory(out.Compiled.Policy), pols)
			if err != nil {
				t.Fatal(err)
			}
			want, err := out.Matrix()
			if err != nil {
				t.Fatal(err)
			}
			if err := proof.Equal("networkpolicy YAML", want, model.Matrix()); err != nil {
				t.Fatal(err)
			}
			if len(want.Connections) == 0 {
				t.Fatal("the example allows nothing at all: the comparison proves little")
			}
		})
	}
}
