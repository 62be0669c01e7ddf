package cli

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/netpolc/netpolc/internal/config"
	"github.com/netpolc/netpolc/internal/pipeline"
)

// inputFlags are the flags that say what to evaluate: an intents directory,
// Kubernetes manifests, or both.
type inputFlags struct {
	manifests []string
}

func (f *inputFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringArrayVar(&f.manifests, "manifests", nil,
		"Kubernetes YAML (file or directory, recursive; repeatable): workloads, namespaces and policies to evaluate")
}

// load assembles the input. With --manifests and no DIR, only the manifests
// are evaluated (unless needIntents); with a DIR (or neither), the intents
// are compiled, and with both, the intents' policies are evaluated over the
// manifests' workloads. Without a DIR, the intents directory is the one
// netpolc.yaml names, else the current directory.
func (f *inputFlags) load(dir string, dirGiven, needIntents bool, notes io.Writer) (pipeline.Input, error) {
	if !dirGiven {
		cfg, err := config.Find(".")
		if err != nil {
			return pipeline.Input{}, err
		}
		dir = displayPath(config.Pick(dir, false, cfg.Intents, dir))
	}
	src := pipeline.Sources{ManifestPaths: f.manifests}
	if dirGiven || needIntents || len(f.manifests) == 0 {
		src.IntentsDir = dir
	}
	loaded, err := pipeline.Load(src)
	if err != nil {
		return pipeline.Input{}, err
	}
	for _, n := range loaded.Notes {
		fmt.Fprintf(notes, "note: %s\n", n)
	}
	return loaded.Input, nil
}
