package cli

import (
	"github.com/netpolc/netpolc/internal/config"
	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/output"
	"github.com/netpolc/netpolc/internal/owners"
	"github.com/netpolc/netpolc/internal/pipeline"
)

// buildSources are the intents a build or verify reads: every owner's
// directory when netpolc.yaml has owners, else DIR. With owners, DIR may
// not be given: a build of one directory would lay the output out
// differently from the one the gate checks.
func buildSources(cfg *config.Config, dir string, dirGiven bool) (pipeline.Sources, error) {
	if cfg.Owners == nil {
		return pipeline.Sources{IntentsDir: dir}, nil
	}
	if dirGiven {
		return pipeline.Sources{}, &diag.Diagnostic{Severity: diag.Error, Pos: cfg.OwnersPos,
			Msg:  "netpolc.yaml names the intents by owner; a DIR argument would build one directory alone",
			Hint: "run without DIR (vet, matrix and explain take a DIR to look at one directory)"}
	}
	return pipeline.Sources{Owners: displayOwners(cfg.Owners)}, nil
}

// displayOwners shows the owners' directories relative to the working
// directory, as DIR is shown.
func displayOwners(m owners.Map) owners.Map {
	out := make(owners.Map, len(m))
	for i, o := range m {
		o.Dir = displayPath(o.Dir)
		out[i] = o
	}
	return out
}

// checkPlaces checks where OUT may be (output.CheckPlace) against the
// intents directory, or every owner's.
func checkPlaces(outDir, dir string, m owners.Map, from diag.Pos) error {
	if m == nil {
		return output.CheckPlace(outDir, dir, from)
	}
	for _, o := range m {
		if err := output.CheckPlace(outDir, o.Dir, from); err != nil {
			return err
		}
	}
	return nil
}
