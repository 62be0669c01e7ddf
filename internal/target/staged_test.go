package target

import (
	"errors"
	"fmt"
	"maps"
	"testing"

	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/internal/ir"

	"github.com/netpolc/netpolc/internal/testkit/randir"
)

// TestEquivalenceStaged is the equivalence property for build --staged:
// for every target and option combination, the staged form either is
// refused as a whole (kit.ErrNoStagedForm: the target has none under
// those settings, never enforcing objects in its place) or, read back as
// the enforcement it stages, allows exactly what the intents allow over
// random intents. Every target but adminpolicy has a staged form under
// some settings.
func TestEquivalenceStaged(t *testing.T) {
	seeds := randir.Seeds(t) / 4
	for _, tg := range all() {
		staged := 0
		for _, s := range settings(t, tg, true) {
			s = maps.Clone(s)
			s[Staged] = true
			_, err := tg.Emit(kit.Input{Policy: &ir.Policy{}, Settings: s})
			if errors.Is(err, kit.ErrNoStagedForm) {
				t.Logf("%s %v: no staged form: %v", tg.Name(), s, err)
				continue
			}
			if err != nil {
				t.Fatalf("%s %v: %v", tg.Name(), s, err)
			}
			staged++
			for _, approx := range []bool{false, true} {
				built := 0
				for seed := range seeds {
					p, inv := randir.Generate(seed, 1+int(seed%12))
					for _, v := range variants(fmt.Sprintf("seed %d", seed), p, inv) {
						if check(t, tg, v, s, approx) {
							built++
						}
					}
				}
				if built < int(seeds)/4 {
					t.Errorf("%s %v approximate=%v: only %d cases built", tg.Name(), s, approx, built)
				}
			}
		}
		if want := tg.Name() != "adminpolicy"; (staged > 0) != want {
			t.Errorf("%s: staged form under %d option combinations, want some: %v", tg.Name(), staged, want)
		}
	}
}
