package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/netpolc/netpolc/internal/atomicfile"
	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/gitrev"
)

const hookHelp = `Manage the git pre-commit hook that runs ` + "`netpolc verify`" + ` on what is
staged, so a commit whose generated output is stale, or that breaks a
guardrail or an expect assertion, is stopped before it is made.`

const hookInstallHelp = `Write the pre-commit hook into the repository's hooks directory
(core.hooksPath when set, else .git/hooks). Arguments after -- are passed
to ` + "`netpolc verify`" + `; without them verify reads netpolc.yaml.

Installing again is harmless: the hook is rewritten only when it changed.
A pre-commit hook netpolc did not write is never replaced unless --force is
given; it is then kept as pre-commit.before-netpolc.

Teams using the pre-commit framework add the netpolc-verify hook from this
repository's .pre-commit-hooks.yaml to .pre-commit-config.yaml instead.`

const hookExample = `  netpolc hook install
  netpolc hook install -- intents/ -o deploy/netpol --deny-opened
  netpolc hook uninstall`

// hookMarker identifies a hook netpolc wrote.
const hookMarker = "# netpolc pre-commit hook"

func newHookCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "hook",
		Short: "Install or remove the git pre-commit hook",
		Long:  hookHelp,
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	var force bool
	install := &cobra.Command{
		Use:     "install [-- VERIFY-ARGS...]",
		Short:   "Install the pre-commit hook (idempotent)",
		Long:    hookInstallHelp,
		Example: hookExample,
		RunE: func(cmd *cobra.Command, args []string) error {
			if dash := cmd.ArgsLenAtDash(); dash > 0 || (dash < 0 && len(args) > 0) {
				return fmt.Errorf("put verify's arguments after --, as in: netpolc hook install -- %s: %w", strings.Join(args, " "), diag.ErrInput)
			}
			return installHook(e, args, force)
		},
	}
	install.Flags().BoolVar(&force, "force", false, "replace a pre-commit hook netpolc did not write (it is kept as pre-commit.before-netpolc)")
	uninstall := &cobra.Command{
		Use:   "uninstall",
		Short: "Remove the pre-commit hook netpolc installed",
		Args:  cobra.NoArgs,
		RunE:  func(*cobra.Command, []string) error { return uninstallHook(e) },
	}
	cmd.AddCommand(install, uninstall)
	return cmd
}

// hookScript is the hook's content for the given verify arguments.
func hookScript(args []string) string {
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = " " + shellQuote(a)
	}
	return `#!/bin/sh
` + hookMarker + `: written by ` + "`netpolc hook install`" + `.
# Reinstall to update it; ` + "`netpolc hook uninstall`" + ` removes it.
#
# It verifies what is staged (not unstaged edits): the generated policies
# match the intents, every guardrail and expect assertion holds.
# Skip it once with: git commit --no-verify
NETPOLC="${NETPOLC:-netpolc}"
if ! command -v "$NETPOLC" >/dev/null 2>&1; then
	echo "netpolc pre-commit hook: '$NETPOLC' not found; install it (go install github.com/netpolc/netpolc/cmd/netpolc@latest) or set NETPOLC to its path" >&2
	exit 1
fi
exec "$NETPOLC" verify` + strings.Join(quoted, "") + "\n"
}

// shellQuote quotes a word for sh.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r == '-' || r == '_' || r == '.' || r == '/' || r == '=' || r == ',' || r == ':' ||
			r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// hookPath finds the pre-commit hook of the repository holding the
// working directory.
func hookPath() (string, error) {
	repo, err := gitrev.Open(".")
	if err != nil {
		return "", err
	}
	dir, err := repo.HooksDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "pre-commit"), nil
}

func installHook(e *env, args []string, force bool) error {
	path, err := hookPath()
	if err != nil {
		return err
	}
	want := []byte(hookScript(args))
	cur, err := os.ReadFile(path)
	verb := "updated"
	switch {
	case errors.Is(err, fs.ErrNotExist):
		verb = "installed"
	case err != nil:
		return err
	case bytes.Equal(cur, want):
		fmt.Fprintf(e.stdout, "%s: already installed\n", path)
		return os.Chmod(path, 0o755)
	case !bytes.Contains(cur, []byte(hookMarker)) && !force:
		return fmt.Errorf("%s exists and netpolc did not write it: %w\n    hint: call netpolc verify from it, use --force to replace it (it is kept as pre-commit.before-netpolc), or, with the pre-commit framework, add the netpolc-verify hook to .pre-commit-config.yaml",
			path, diag.ErrInput)
	case !bytes.Contains(cur, []byte(hookMarker)):
		backup := path + ".before-netpolc"
		if err := os.Rename(path, backup); err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "kept the previous hook as %s\n", backup)
		verb = "installed"
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	if err := atomicfile.WriteFile(path, want, 0o755); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s: %s (runs netpolc verify on what is staged)\n", path, verb)
	return nil
}

func uninstallHook(e *env) error {
	path, err := hookPath()
	if err != nil {
		return err
	}
	cur, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		fmt.Fprintf(e.stdout, "%s: not installed\n", path)
		return nil
	case err != nil:
		return err
	case !bytes.Contains(cur, []byte(hookMarker)):
		return fmt.Errorf("%s was not written by netpolc; remove it yourself if you mean to: %w", path, diag.ErrInput)
	}
	if err := os.Remove(path); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s: removed\n", path)
	if backup := path + ".before-netpolc"; fileExists(backup) {
		fmt.Fprintf(e.stdout, "the hook netpolc replaced is still at %s\n", backup)
	}
	return nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
