package cli

import (
	"fmt"

	"github.com/netpolc/netpolc/internal/config"
	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/gate"
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

// printOwnerChanges shows a change to the ownership map when verify stops
// before its report (intents that fail the base's map): the reviewer sees
// which namespaces the change tries to move.
func printOwnerChanges(e *env, c gate.ConfigCheck) {
	changes := c.OwnerChanges()
	if len(changes) == 0 || c.AllowOwners {
		return
	}
	fmt.Fprintf(e.stderr, "netpolc verify: this change alters the owners in %s (checked against the base's; accept a reviewed change with --allow-owner-change):\n", config.FileName)
	for _, ch := range changes {
		fmt.Fprintf(e.stderr, "    %s\n", ch)
	}
}
