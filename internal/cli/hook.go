package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/gitrev"
	"github.com/netpolc/netpolc/internal/precommit"
)

const hookHelp = `Manage the git pre-commit hook that runs ` + "`netpolc verify`" + ` on what is
staged, so a commit whose generated output is stale, or that breaks a
guardrail or an expect assertion, is stopped before it is made.`

const hookInstallHelp = `Write the pre-commit hook into the repository's hooks directory
(core.hooksPath when set, else .git/hooks). Arguments after -- are passed
to ` + "`netpolc verify`" + `; without them verify reads netpolc.yaml.

Installing again is harmless: the hook is rewritten only when it changed.
netpolc recognises its own hook exactly (a checksum on its second line):
a pre-commit hook netpolc did not write, or netpolc's hook edited by hand,
is never replaced unless --force is given; it is then kept as
pre-commit.before-netpolc (or .2, .3, ...: a backup is never overwritten)
and the new hook runs it first, so the team's hook keeps working.

A hooks directory outside the repository (a global core.hooksPath) serves
every repository: netpolc refuses it unless --global is given. The hook
does nothing in a repository without netpolc (no netpolc.yaml and no
intents directory on disk, staged or in HEAD).

Teams using the pre-commit framework add the netpolc-verify hook from this
repository's .pre-commit-hooks.yaml to .pre-commit-config.yaml instead.`

const hookExample = `  netpolc hook install
  netpolc hook install -- intents/ -o deploy/netpol --deny-opened
  netpolc hook uninstall`

func newHookCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "hook",
		Short:   "Install or remove the git pre-commit hook",
		Long:    hookHelp,
		Example: hookExample,
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	var o precommit.Options
	install := &cobra.Command{
		Use:     "install [-- VERIFY-ARGS...]",
		Short:   "Install the pre-commit hook (idempotent)",
		Long:    hookInstallHelp,
		Example: hookExample,
		RunE: func(cmd *cobra.Command, args []string) error {
			if dash := cmd.ArgsLenAtDash(); dash > 0 || (dash < 0 && len(args) > 0) {
				return diag.Errorf("put verify's arguments after --, as in: netpolc hook install -- "+strings.Join(args, " "), "unexpected arguments before --")
			}
			return installHook(e, args, o)
		},
	}
	install.Flags().BoolVar(&o.Force, "force", false, "replace a pre-commit hook netpolc did not write (it is kept and run first)")
	install.Flags().BoolVar(&o.Global, "global", false, "install into a hooks directory outside this repository (a global core.hooksPath)")
	var global bool
	uninstall := &cobra.Command{
		Use:     "uninstall",
		Short:   "Remove the pre-commit hook netpolc installed, putting back the one it replaced",
		Example: "  netpolc hook uninstall\n  netpolc hook uninstall --global   # from a global core.hooksPath",
		Args:    cobra.NoArgs,
		RunE:    func(*cobra.Command, []string) error { return uninstallHook(e, global) },
	}
	uninstall.Flags().BoolVar(&global, "global", false, "uninstall from a hooks directory outside this repository")
	cmd.AddCommand(install, uninstall)
	return cmd
}

// hookPlace finds the hooks directory of the repository holding the
// working directory.
func hookPlace() (precommit.Place, error) {
	repo, err := gitrev.Open(".")
	if err != nil {
		return precommit.Place{}, err
	}
	return precommit.Locate(repo)
}

func installHook(e *env, args []string, o precommit.Options) error {
	p, err := hookPlace()
	if err != nil {
		return err
	}
	// The intents directory verify will read, parsed with verify's own
	// flags: the hook checks a repository that has it or netpolc.yaml.
	v := newVerifyCmd(e)
	if err := v.ParseFlags(args); err != nil {
		return diag.Errorf("the arguments after -- are verify's (see netpolc verify --help)", "verify arguments: %v", err)
	}
	o.Args, o.Dirs = args, []string{"intents"}
	if pos := v.Flags().Args(); len(pos) > 0 && pos[0] != "intents" {
		o.Dirs = append(o.Dirs, pos[0])
	}
	res, err := precommit.Install(p, o)
	if res.Kept != "" {
		fmt.Fprintf(e.stderr, "kept the previous hook as %s; the netpolc hook runs it first\n", res.Kept)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s: %s (runs netpolc verify on what is staged)\n", res.Path, res.Verb)
	if res.Chain != "" && res.Kept == "" {
		fmt.Fprintf(e.stdout, "it runs %s first\n", res.Chain)
	}
	return nil
}

func uninstallHook(e *env, global bool) error {
	p, err := hookPlace()
	if err != nil {
		return err
	}
	res, err := precommit.Uninstall(p, global)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s: %s\n", res.Path, res.Verb)
	if res.Restored != "" {
		fmt.Fprintf(e.stdout, "restored the hook netpolc replaced (%s)\n", res.Restored)
	}
	return nil
}
