package importer

import (
	"strings"
	"testing"

	"github.com/netpolc/netpolc/internal/testkit/gen"
)

// TestImportGenerated: generated clusters shaped like real ones (50
// namespaces, every policy pattern of the generator, admin tiers) import,
// proven equal by Import itself, or are refused naming an object, never
// failing the proof.
func TestImportGenerated(t *testing.T) {
	imported := 0
	for seed := int64(1); seed <= 4; seed++ {
		set := gen.Generate(gen.Config{Seed: seed, Namespaces: 50, Workloads: 400, Policies: 200, ClusterPolicies: 8})
		res, err := Import(set, "imported")
		if err != nil {
			if strings.Contains(err.Error(), "would not allow exactly") || strings.Contains(err.Error(), "did not pass") {
				t.Fatalf("seed %d: %v", seed, err)
			}
			t.Logf("seed %d: refused: %.300v", seed, err)
			continue
		}
		for _, n := range res.Notes {
			if strings.Contains(n, "did not pass the proof") {
				t.Errorf("seed %d: %s", seed, n)
			}
		}
		imported++
		t.Logf("seed %d: %d templates, %d policies, %d platform intents", seed, res.Templates, res.Policies, res.Platform)
	}
	if imported == 0 {
		t.Error("no generated cluster imported")
	}
}
