// Package cli is netpolc's command line: one file per subcommand, each
// parsing its flags and delegating to a package. No flag lives in a global.
package cli

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/gctune"
	"github.com/netpolc/netpolc/internal/output"
	"github.com/netpolc/netpolc/internal/profiling"
)

// Exit codes (contract).
const (
	exitOK      = 0
	exitFailed  = 1 // a check failed: drift, guardrail, assertion, lint error
	exitInvalid = 2 // bad usage or input that could not be read or compiled
)

// errCheckFailed marks a run whose checks failed (exit code 1). The report
// has already been printed.
var errCheckFailed = errors.New("check failed")

// env is what every command writes to.
type env struct {
	stdout, stderr io.Writer
}

// Main runs netpolc with args and returns the process exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	gctune.Apply()
	defer profiling.Start(stderr)()
	e := &env{stdout: stdout, stderr: stderr}
	root := newRoot(e)
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.Execute()
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errCheckFailed):
		return exitFailed
	}
	printErrors(stderr, diag.Collect(err))
	return exitInvalid
}

func newRoot(e *env) *cobra.Command {
	root := &cobra.Command{
		Use:   "netpolc",
		Short: "Compile network intents in CUE into Kubernetes NetworkPolicies for GitOps",
		Long: `netpolc compiles short, high-level network intents written in CUE
(default-deny, allow-DNS, tiers, the API-gateway pattern, namespace isolation,
external egress, monitoring access, and templates of your own) into
Kubernetes NetworkPolicy YAML and equivalent native rule sets (Cilium,
Calico, admin network policies, nftables), each proven to allow exactly what
the intents allow, laid out as a kustomize directory that Flux or Argo CD
applies unchanged; and gates every git change on the connectivity it opens.

Exit codes: 0 fine, 1 a check failed, 2 bad usage or input.`,
		Example: `  netpolc init intents/                          # a commented example to start from
  netpolc build intents/ -o deploy/netpol        # compile, prove, write the kustomize tree
  netpolc matrix intents/ --format md            # who may reach whom
  netpolc explain shop/web shop/db TCP/5432 intents/
  netpolc diff --base origin/main --format md    # what a change opens and closes
  netpolc hook install                           # gate every commit with netpolc verify`,
		Version:       version(),
		SilenceUsage:  true,
		SilenceErrors: true,
		// Before anything else, finish (or undo) a build that was
		// interrupted, so no command sees a half-switched output.
		PersistentPreRunE: func(*cobra.Command, []string) error {
			// Only build reads the output, and it recovers itself (or
			// fails); for the others a failure here is only a warning.
			if err := output.Recover(".", func(msg string) { fmt.Fprintf(e.stderr, "netpolc: %s\n", msg) }); err != nil {
				fmt.Fprintf(e.stderr, "netpolc: warning: could not finish an interrupted build: %v\n", err)
			}
			return nil
		},
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return fmt.Errorf("%w (see --help)", err)
	})
	root.AddCommand(newInitCmd(e), newImportCmd(e), newBuildCmd(e), newVetCmd(e), newMatrixCmd(e), newExplainCmd(e), newReplayCmd(e), newProposeCmd(e),
		newDiffCmd(e), newVerifyCmd(e), newHookCmd(e), newVersionCmd(e))
	root.SetVersionTemplate("netpolc {{.Version}}\n")
	return root
}

// printErrors prints every error of a run, sorted: positioned ones as
// "file:line:col: path: message" with their hints, like `cue vet`, then a
// count; one without a position as "netpolc: message".
func printErrors(w io.Writer, list diag.List) {
	positioned := 0
	for _, d := range list {
		if d.Pos.File == "" {
			fmt.Fprintf(w, "netpolc: %s\n", d)
			continue
		}
		positioned++
		fmt.Fprintf(w, "%s\n", d)
	}
	if positioned > 0 {
		fmt.Fprintf(w, "netpolc: %d error(s)\n", len(list))
	}
}

// oneDir returns the optional DIR argument, defaulting to def.
func oneDir(args []string, def string) string {
	if len(args) > 0 {
		return args[0]
	}
	return def
}
