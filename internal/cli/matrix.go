package cli

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/netpolc/netpolc/internal/gctune"
	"github.com/netpolc/netpolc/internal/render"
)

const matrixHelp = `Print which workload may open which connection, on which ports.

The input is the intents in DIR (default: the intents directory
netpolc.yaml names, else the current directory; over the workloads the
intents declare), or Kubernetes YAML given with --manifests
(workloads, namespaces, NetworkPolicies and admin policies), or both: then
the intents' policies are evaluated over the manifests' real workloads.

Connections are policy-level: a port counts as allowed whether or not the
destination listens on it. Addresses outside the known pods appear as
disjoint ranges named ip:FIRST-LAST, split at every ipBlock in play.

Formats: text, md, json (the documented connectivity contract), csv, dot,
mermaid. Past a screenful of pairs (60), text and md fold the pairs into
one row per source namespace, destination namespace and ports, with the
count of pairs and the first few names; --full lists every pair. json and
csv always list every pair.`

const matrixExample = `  netpolc matrix examples/shop
  netpolc matrix --manifests cluster-dump/ --format json
  netpolc matrix intents/ --manifests live.yaml --format md`

func newMatrixCmd(e *env) *cobra.Command {
	var in inputFlags
	var formatName string
	var full, expand bool
	cmd := &cobra.Command{
		Use:     "matrix [DIR] [--manifests PATH]... [--format FORMAT]",
		Short:   "Print the connectivity matrix of intents or manifests",
		Long:    matrixHelp,
		Example: matrixExample,
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := render.ByName(formatName)
			if err != nil {
				return err
			}
			gctune.BoundGarbage() // a small model streaming gigabytes
			input, err := in.load(oneDir(args, "."), len(args) > 0, false, e.stderr)
			if err != nil {
				return err
			}
			model, err := input.Model()
			if err != nil {
				return err
			}
			return f.Write(e.stdout, model.Stream(), render.Options{Full: full, ExpandExternal: expand, Model: model})
		},
	}
	in.register(cmd)
	cmd.Flags().StringVar(&formatName, "format", "text", "output format: "+strings.Join(render.Names(), ", "))
	cmd.Flags().BoolVar(&full, "full", false, "text and md: list every pair, however many (they fold past 60)")
	cmd.Flags().BoolVar(&expand, "expand-external", false, "dot, mermaid, html: draw every external range and DNS edge, not one world node and one DNS edge per namespace")
	return cmd
}
