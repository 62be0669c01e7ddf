package cli

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/netpolc/netpolc/compiler"
	"github.com/netpolc/netpolc/intent"
	"github.com/netpolc/netpolc/internal/config"
	"github.com/netpolc/netpolc/internal/evaluate"
	"github.com/netpolc/netpolc/internal/manifests"
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
func (f *inputFlags) load(dir string, dirGiven, needIntents bool, notes io.Writer) (evaluate.Input, error) {
	var in evaluate.Input
	if !dirGiven {
		cfg, err := config.Find(".")
		if err != nil {
			return in, err
		}
		dir = displayPath(config.Pick(dir, false, cfg.Intents, dir))
	}
	if len(f.manifests) > 0 {
		set, err := manifests.Load(f.manifests...)
		if err != nil {
			return in, err
		}
		for _, n := range set.Notes {
			fmt.Fprintf(notes, "note: %s\n", n)
		}
		in.Manifests = set
	}
	if dirGiven || needIntents || len(f.manifests) == 0 {
		set, err := intent.Load(dir)
		if err != nil {
			return in, err
		}
		res, err := compiler.Compile(set)
		if err != nil {
			return in, err
		}
		in.Intents = res
	}
	return in, nil
}
