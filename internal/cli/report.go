package cli

import (
	"fmt"

	"github.com/netpolc/netpolc/internal/output"
)

// printReport summarises what a build wrote: one line on stdout, plus each
// warning (kept or overwritten hand edits) on stderr.
func printReport(e *env, dir string, rep output.Report) {
	for _, w := range rep.Warnings {
		fmt.Fprintf(e.stderr, "warning: %s\n", w)
	}
	fmt.Fprintf(e.stdout, "%s: %d written, %d unchanged, %d removed\n",
		dir, len(rep.Written), len(rep.Unchanged), len(rep.Removed))
}
