package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/netpolc/netpolc/compiler"
	"github.com/netpolc/netpolc/intent"
)

const vetHelp = `Check the CUE intents in DIR (default: the current directory) without
writing anything: schema errors (unknown fields, wrong types), compile errors
(undefined workloads, invalid labels, CIDRs and ports), and lint findings.
Every finding names file:line:col.`

func newVetCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:     "vet [DIR]",
		Short:   "Check intents for errors and lint findings",
		Long:    vetHelp,
		Example: "  netpolc vet examples/shop",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			set, err := intent.Load(oneDir(args, "."))
			if err != nil {
				return err
			}
			res, err := compiler.Compile(set)
			if err != nil {
				return err
			}
			printWarnings(e, res.Warnings)
			fmt.Fprintf(e.stdout, "%s: %d namespaces, %d workloads, %d rules: ok\n", set.Dir,
				len(res.Policy.Namespaces), len(res.Policy.Workloads), len(res.Policy.Rules))
			return nil
		},
	}
}
