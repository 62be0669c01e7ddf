package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/netpolc/netpolc/build"
	"github.com/netpolc/netpolc/diag"
	"github.com/netpolc/netpolc/evaluate"
	"github.com/netpolc/netpolc/output"
)

const buildHelp = `Compile the CUE intents in DIR (default: the current directory) and
write the generated policies to OUT, laid out as a kustomize directory:

  OUT/kustomization.yaml
  OUT/networkpolicy/kustomization.yaml
  OUT/networkpolicy/<namespace>/<policy>.yaml

Nothing is written unless the whole build succeeds. Files netpolc wrote
before and no longer produces are removed; any other file in OUT is left
alone. The output is byte-identical for identical intents, so GitOps diffs
stay quiet.`

const buildExample = `  # compile the shop example into out/
  netpolc build examples/shop -o out/

  # point Flux or Argo CD at out/ (it is a kustomize directory)
  kustomize build out/`

func newBuildCmd(e *env) *cobra.Command {
	var out string
	var targets []string
	cmd := &cobra.Command{
		Use:     "build [DIR] -o OUT",
		Short:   "Compile intents into NetworkPolicy YAML in a kustomize directory",
		Long:    buildHelp,
		Example: buildExample,
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return fmt.Errorf("missing -o OUT: the directory to write the policies to")
			}
			ts, err := build.ParseTargets(targets)
			if err != nil {
				return err
			}
			res, err := build.Generate(oneDir(args, "."), ts)
			if err != nil {
				return err
			}
			printWarnings(e, res.Compiled.Warnings)
			rep, err := output.Write(out, res.Files)
			if err != nil {
				return err
			}
			printReport(e, out, rep)
			evaluate.Summarize(res.Compiled.Policy, res.Connectivity).Print(e.stdout)
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "directory to write the generated kustomize tree to (required)")
	cmd.Flags().StringSliceVar(&targets, "target", nil, "output targets, comma-separated: networkpolicy (default)")
	return cmd
}

// printWarnings prints non-fatal findings to stderr.
func printWarnings(e *env, ws diag.List) {
	for _, w := range ws {
		fmt.Fprintln(e.stderr, w.Error())
	}
}
