package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/netpolc/netpolc/internal/scaffold"
)

const initHelp = `Write a small, commented example intents directory to DIR (default:
intents). It never overwrites: a directory that already holds .cue files is
refused. Edit the example, then run netpolc build.`

func newInitCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:     "init [DIR]",
		Short:   "Write an example intents directory",
		Long:    initHelp,
		Example: "  netpolc init intents\n  netpolc build intents -o deploy/netpol",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := oneDir(args, "intents")
			files, err := scaffold.Init(dir)
			if err != nil {
				return fmt.Errorf("init: %w", err)
			}
			for _, f := range files {
				fmt.Fprintf(e.stdout, "wrote %s\n", f)
			}
			fmt.Fprintf(e.stdout, "next: netpolc build %s -o deploy/netpol\n", dir)
			return nil
		},
	}
}
