package cli

import (
	"errors"
	"fmt"

	"github.com/netpolc/netpolc/internal/diag"
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

// outputError adds what to do to the errors of writing the output that
// need it: another build holding the lock, a full disk.
func outputError(err error) error {
	hint := ""
	switch {
	case errors.Is(err, output.ErrLocked):
		hint = "another build into this work tree is running; wait for it, or allow more time with --lock-timeout"
	case errors.Is(err, output.ErrNoSpace):
		hint = "nothing was written; free space on that file system (df -h) and run netpolc build again"
	default:
		return err
	}
	return &diag.Diagnostic{Severity: diag.Error, Msg: err.Error(), Hint: hint, Err: err}
}
