package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/lint"
)

const vetHelp = `Check the CUE intents in DIR (default: the intents directory netpolc.yaml
names, else the current directory) without writing anything:

  - schema errors (unknown fields, wrong types) and compile errors
    (undefined workloads, invalid labels, CIDRs and ports): exit 2;
  - failing expect assertions: exit 1;
  - lint warnings: egress isolation without DNS, a policy or peer that
    selects no known workload, a rule shadowed by another, an ipBlock over
    the pod network or known pod IPs, a port no destination declares.
    Warnings exit 0 unless --strict.

With --manifests, the intents are evaluated over those real workloads
instead of the ones the intents declare. Every finding names file:line:col.`

func newVetCmd(e *env) *cobra.Command {
	var in inputFlags
	var strict bool
	cmd := &cobra.Command{
		Use:     "vet [DIR]",
		Short:   "Check intents: errors, lint findings and expect assertions",
		Long:    vetHelp,
		Example: "  netpolc vet examples/shop\n  netpolc vet intents/ --manifests cluster/ --strict",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			input, err := in.load(oneDir(args, "."), len(args) > 0, true, e.stderr)
			if err != nil {
				return err
			}
			model, err := input.Model()
			if err != nil {
				return err
			}
			inv := enforcer.IntentsInventory(input.Intents.Policy)
			if input.Manifests != nil {
				inv = input.Manifests.Inventory
			}
			findings := append(input.Intents.Warnings, lint.Run(lint.Input{Compiled: input.Intents, Inventory: inv, Model: model})...)
			findings.Sort()
			for _, f := range findings {
				fmt.Fprintln(e.stderr, f.Error())
			}
			nerr, nwarn := count(findings)
			p := input.Intents.Policy
			fmt.Fprintf(e.stdout, "%d namespaces, %d workloads, %d rules: %d error(s), %d warning(s)%s\n",
				len(p.Namespaces), len(p.Workloads), len(p.Rules), nerr, nwarn, skippedNote(in.skipped))
			if nerr > 0 || (strict && nwarn > 0) {
				return errCheckFailed
			}
			return nil
		},
	}
	in.register(cmd)
	cmd.Flags().BoolVar(&strict, "strict", false, "fail (exit 1) on warnings too")
	return cmd
}

// skippedNote ends vet's summary with the documents --skip-invalid skipped.
func skippedNote(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(", %d manifest document(s) skipped (--skip-invalid)", n)
}

func count(l diag.List) (errs, warns int) {
	for _, d := range l {
		if d.Severity == diag.Warning {
			warns++
		} else {
			errs++
		}
	}
	return errs, warns
}
