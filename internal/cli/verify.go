package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/netpolc/netpolc/internal/config"
	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/gate"
	"github.com/netpolc/netpolc/internal/gitrev"
	"github.com/netpolc/netpolc/internal/manifests"
	"github.com/netpolc/netpolc/internal/render/gatereport"
)

const verifyHelp = `The pre-commit and CI gate. Verify reads the intents in DIR and the
generated output in OUT from the staged index (what the next commit will
hold — not unstaged edits; the work tree is not read, and only touched to
finish a build that was interrupted, as every command does first) and
fails, with exit code 1 and a report, when:

  - drift: OUT is not byte for byte what ` + "`netpolc build`" + ` makes from the
    staged intents (files changed by hand, missing, or left over — files
    netpolc never wrote are ignored);
  - a guardrail in the intents is broken, or an expect assertion fails;
  - --deny-opened is set and the change opens any connectivity compared
    with --base;
  - --flows (or netpolc.yaml's flows, read from the base and the head) hold
    observed connections that --base allows and the change blocks, and no
    closes entry of the intents names them (unless --allow-closing);
  - with owners in netpolc.yaml, the owners map differs from --base's
    (unless --allow-owner-change): the intents are checked against the
    base's map, so a change cannot grant itself namespaces.

Otherwise it exits 0 with a one-line summary, which includes the
connectivity change from --base (default HEAD: what this commit changes).
Exit code 2 means the intents could not be read or compiled.

DIR, OUT, the targets and the build flags that shape the output default to
netpolc.yaml at the repository root (intents, output, targets, ...); flags
override it. They must be what ` + "`netpolc build`" + ` was given, or the output
drifts. Without OUT, drift is not checked. --head REV verifies a commit
instead of the index (CI on a pushed revision); in a CI checkout the index
equals HEAD anyway.

A state verified in full is recorded in the git directory: when the base
and the head hold the same intents, netpolc.yaml, inventory and output
bytes as a recorded state, verify reports it unchanged without compiling
(--no-cache always runs in full).`

const verifyExample = `  # the pre-commit check (what ` + "`netpolc hook install`" + ` runs)
  netpolc verify

  # in CI: gate a pull request against main and refuse to open anything new
  netpolc verify --base origin/main --deny-opened

  # explicit paths, a Markdown report for a PR comment
  netpolc verify intents/ -o deploy/netpol --base origin/main --format md

  # refuse to block what production did yesterday
  hubble observe -o json --since 24h > flows.json
  netpolc verify --base origin/main --flows flows.json`

// verifyFlags are verify's own flags.
type verifyFlags struct {
	out, base, head         string
	denyOpened, allowConfig bool
	allowOwners, noCache    bool
	flows                   []string
	allowClosing            bool
	build                   buildFlags
	report                  outputFlags
}

func newVerifyCmd(e *env) *cobra.Command {
	var f verifyFlags
	cmd := &cobra.Command{
		Use:     "verify [DIR] [-o OUT] [--base REV] [--deny-opened] [--flows FILE]...",
		Short:   "Gate a commit: drift, guardrails, expectations, connectivity opened",
		Long:    verifyHelp,
		Example: verifyExample,
		Args:    cobra.MaximumNArgs(1),
		RunE:    func(cmd *cobra.Command, args []string) error { return f.run(e, cmd, args) },
	}
	f.report.register(cmd)
	cmd.Flags().StringVarP(&f.out, "output", "o", "", "the generated output directory to check for drift (default: output in netpolc.yaml)")
	f.build.register(cmd)
	cmd.Flags().StringVar(&f.base, "base", "HEAD", `revision to compare connectivity with ("" for none)`)
	cmd.Flags().StringVar(&f.head, "head", "", "verify this revision instead of the staged index")
	cmd.Flags().BoolVar(&f.denyOpened, "deny-opened", false, "fail when the change opens any connectivity compared with --base")
	cmd.Flags().BoolVar(&f.allowConfig, "allow-config-change", false,
		"accept a reviewed change to what the gate checks (netpolc.yaml's output, intents or targets removed or moved, allow-approximate turned on, guardrails or expectations removed); it is still reported")
	cmd.Flags().BoolVar(&f.allowOwners, "allow-owner-change", false,
		"accept a reviewed change to netpolc.yaml's owners (it grants or takes namespaces): the head's map is then used; without it the base's is, and the change fails the run")
	cmd.Flags().StringArrayVar(&f.flows, "flows", nil, flowsFlagHelp)
	cmd.Flags().BoolVar(&f.allowClosing, "allow-closing", false,
		"accept a reviewed change that blocks observed connections no closes entry names; they are still listed")
	cmd.Flags().BoolVar(&f.noCache, "no-cache", false,
		"compile and check in full even when the base and the head hold the same intents, netpolc.yaml, inventory and output as a state verified before (recorded in the git directory)")
	return cmd
}

// run checks the snapshot and prints the report.
func (f *verifyFlags) run(e *env, cmd *cobra.Command, args []string) error {
	opts, err := f.report.options(e)
	if err != nil {
		return err
	}
	o, err := f.options(e, cmd, args)
	if err != nil {
		return err
	}
	rep, err := gate.Run(o)
	if err != nil {
		printOwnerChanges(e, o.Config)
		return sideError(e.stderr, err)
	}
	if err := gatereport.WriteReport(e.stdout, rep, opts); err != nil {
		return err
	}
	if rep.Failed() {
		return errCheckFailed
	}
	return nil
}

// options are the gate's options: paths and build settings from the flags
// and the snapshot's netpolc.yaml, the snapshots, the config check.
func (f *verifyFlags) options(e *env, cmd *cobra.Command, args []string) (gate.Options, error) {
	cfg, err := snapshotConfig(f.head)
	if err != nil {
		return gate.Options{}, err
	}
	dir := config.Pick(oneDir(args, "."), len(args) > 0, cfg.Intents, ".")
	outDir := config.Pick(f.out, cmd.Flags().Changed("output"), cfg.Output, "")
	src, err := buildSources(cfg, dir, len(args) > 0)
	if err != nil {
		return gate.Options{}, err
	}
	if outDir != "" {
		if err := checkPlaces(outDir, dir, src.Owners, outputFrom(cmd, cfg)); err != nil {
			return gate.Options{}, err
		}
	}
	o, err := verifyOptions(dir, outDir, f.base, f.head)
	if err != nil {
		return o, err
	}
	bo, err := f.build.options(cmd, cfg, snapshotInventory(o.Head))
	if err != nil {
		return o, err
	}
	if outDir == "" {
		fmt.Fprintln(e.stderr, "note: no -o OUT (and no output in netpolc.yaml): drift is not checked")
	}
	o.Build, o.DenyOpened = bo, f.denyOpened
	if o.Config, err = configCheck(o, cfg, f.base, f.allowConfig); err != nil {
		return o, err
	}
	o.Config.AllowOwners = f.allowOwners
	if o.Observed, err = f.observed(e, o); err != nil {
		return o, err
	}
	if !f.noCache {
		var inv []string
		if cmd.Flags().Changed("inventory") {
			inv = f.build.inventory
		}
		o.Cache = verifyCache(cmd, args, cfg, inv)
	}
	o.Owners = o.Config.Head.Owners
	if o.Base != nil && !f.allowOwners {
		// The map comes from the base: a change cannot grant itself
		// namespaces (it is reported, and fails without the flag).
		o.Owners = o.Config.Base.Owners
	}
	return o, nil
}

// observed is the observed traffic the change is judged by: --flows and
// netpolc.yaml's flows at the base and the head. It needs a base.
func (f *verifyFlags) observed(e *env, o gate.Options) (*gate.ObservedInput, error) {
	in, err := observedInput(f.flows, o.Config.Base.Flows, o.Config.Head.Flows, f.allowClosing)
	switch {
	case err != nil:
		return nil, err
	case in == nil || o.Base != nil:
		return in, nil
	case len(f.flows) > 0:
		return nil, diag.Errorf("give --base REV: observed traffic is judged by what the change blocks", "verify --flows: no base to compare with")
	}
	fmt.Fprintln(e.stderr, "note: no --base: netpolc.yaml's flows are not judged")
	return nil, nil
}

// snapshotInventory reads the inventory from the snapshot verify checks,
// like the intents and netpolc.yaml: an unstaged edit of it cannot make
// the staged output drift, and a file deleted from the work tree is still
// read as committed.
func snapshotInventory(t *gitrev.Tree) inventoryReader {
	return func(paths []string) (*manifests.Set, error) {
		repo, err := gitrev.Open(".")
		if err != nil {
			return nil, err
		}
		rel := make([]string, len(paths))
		for i, p := range paths {
			if rel[i], err = repo.Rel(p); err != nil {
				return nil, err
			}
		}
		files, err := gate.ReadManifests(t, rel)
		if err != nil {
			return nil, err
		}
		if len(files) == 0 {
			return nil, diag.Errorf("stage the inventory (git add), or fix the path", "inventory %s: no YAML files in %s", strings.Join(rel, ", "), t.Name)
		}
		return manifests.ParseFiles(files...)
	}
}

// snapshotConfig reads netpolc.yaml from the snapshot verify checks (the
// staged index, or --head), so a commit is verified with the config it
// commits. Outside a repository it falls back to the work tree; verify
// then fails with its own clear error.
func snapshotConfig(head string) (*config.Config, error) {
	repo, err := gitrev.Open(".")
	if err != nil {
		return config.Find(".")
	}
	tree, err := headSnapshot(repo, head, true, nil)
	if err != nil {
		return nil, err
	}
	return configAt(repo, tree)
}

// configCheck reads netpolc.yaml at the base too, so that the gate
// compares its configuration there with the head's (gate.ConfigCheck).
func configCheck(o gate.Options, head *config.Config, base string, allow bool) (gate.ConfigCheck, error) {
	c := gate.ConfigCheck{Allow: allow}
	repo, err := gitrev.Open(".")
	if err != nil {
		return c, nil
	}
	if c.Head, err = settings(repo, head); err != nil || o.Base == nil {
		return c, err
	}
	baseCfg, err := configAt(repo, o.Base)
	if err != nil {
		return c, fmt.Errorf("netpolc.yaml at %s: %w", base, err)
	}
	c.Base, err = settings(repo, baseCfg)
	return c, err
}

// settings are a config's gate-relevant values with repository paths.
func settings(repo *gitrev.Repo, c *config.Config) (gate.Settings, error) {
	s := gate.Settings{Present: c.File != "", Targets: c.Targets, Flags: c.Flags}
	var err error
	if s.Flows, err = flowPaths(repo, c); err != nil {
		return s, err
	}
	for _, p := range []struct {
		abs string
		dst *string
	}{{c.Intents, &s.Intents}, {c.Output, &s.Output}} {
		if p.abs == "" {
			continue
		}
		rel, err := repo.Rel(p.abs)
		if err != nil {
			return s, err
		}
		*p.dst = rel
	}
	for _, ow := range c.Owners {
		rel, err := repo.Rel(ow.Dir)
		if err != nil {
			return s, err
		}
		ow.Dir = rel
		s.Owners = append(s.Owners, ow)
	}
	return s, nil
}

// configAt reads netpolc.yaml as a snapshot holds it.
func configAt(repo *gitrev.Repo, tree *gitrev.Tree) (*config.Config, error) {
	return config.FindWith(".", func(name string) ([]byte, bool, error) {
		rel, err := repo.Rel(name)
		if err != nil {
			return nil, false, nil // above the work tree
		}
		files, err := tree.Read(rel, false, nil)
		data, ok := files[rel]
		return data, ok, err
	})
}

// verifyOptions opens the repository and the snapshots.
func verifyOptions(dir, outDir, base, head string) (gate.Options, error) {
	var o gate.Options
	repo, err := gitrev.Open(dir)
	if err != nil {
		return o, err
	}
	if o.Intents, err = repo.Rel(dir); err != nil {
		return o, err
	}
	if outDir != "" {
		if o.Output, err = repo.Rel(outDir); err != nil {
			return o, err
		}
	}
	if o.Head, err = headSnapshot(repo, head, true, nil); err != nil {
		return o, err
	}
	if base != "" {
		if o.Base, err = repo.Revision(base); err != nil {
			return o, err
		}
	}
	return o, nil
}
