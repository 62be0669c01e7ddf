package cli

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/netpolc/netpolc/internal/config"
	"github.com/netpolc/netpolc/internal/gate"
	"github.com/netpolc/netpolc/internal/gitrev"
	"github.com/netpolc/netpolc/internal/render/gatereport"
)

const diffHelp = `Show how connectivity changes between two git revisions: the flows
opened (+), changed (~, with the ports before and after) and closed (−),
grouped by namespace. Each opened flow names the intent line (file:line:col)
that opens it; each closed one what used to allow it.

The files are read straight from git's object store — no checkout, and the
work tree is never touched (but for finishing an interrupted build, as
every command does first). REV is anything git accepts: HEAD, HEAD~2,
origin/main, a tag, a hash. Without --head the other side is the work tree;
--staged compares with the staged index instead. A base that does not exist
yet (the first commit) or a directory absent at a revision counts as "no
policies".

DIR is the intents directory (default: intents from netpolc.yaml, else the
current directory). With --manifests, plain Kubernetes YAML (workloads and
NetworkPolicies, for instance a generated output directory) is read from
each revision too; with --manifests and no DIR only the manifests are read.

With --flows (or flows in netpolc.yaml, read from both revisions), the
observed connections the base allows and the head blocks are listed too,
grouped by endpoint pair with the rule that blocks each, and any closes
entry of the head's intents that names them.

Formats: text (coloured on a terminal), md (a pull request comment), json
(every flow, never capped). Text and md summarise large diffs: flows that
changed alike are folded into one row, and at most --limit rows print.`

const diffExample = `  # what does my branch open, compared with main?
  netpolc diff --base origin/main

  # what does the staged change open? (the pre-commit view)
  netpolc diff --base HEAD --staged intents/

  # between two releases, as a PR comment
  netpolc diff --base v1.4.0 --head v1.5.0 intents/ --format md

  # plain manifests (e.g. the generated output) at two revisions
  netpolc diff --base HEAD~1 --head HEAD --manifests deploy/netpol`

// diffFlags are diff's own flags.
type diffFlags struct {
	in               inputFlags
	base, head       string
	staged, exitCode bool
	flows            []string
	out              outputFlags
}

func newDiffCmd(e *env) *cobra.Command {
	var f diffFlags
	cmd := &cobra.Command{
		Use:     "diff --base REV [--head REV | --staged] [DIR] [--manifests PATH]... [--flows FILE]...",
		Short:   "Show connectivity opened, changed and closed between two revisions",
		Long:    diffHelp,
		Example: diffExample,
		Args:    cobra.MaximumNArgs(1),
		RunE:    func(cmd *cobra.Command, args []string) error { return f.run(e, args) },
	}
	f.in.register(cmd)
	f.out.register(cmd)
	cmd.Flags().StringVar(&f.base, "base", "", "the revision to compare from (required): HEAD, HEAD~1, origin/main, a tag or hash")
	cmd.Flags().StringVar(&f.head, "head", "", "the revision to compare to (default: the work tree)")
	cmd.Flags().BoolVar(&f.staged, "staged", false, "compare to the staged index instead of the work tree")
	cmd.Flags().BoolVar(&f.exitCode, "exit-code", false, "exit 1 when connectivity changed (like git diff --exit-code)")
	cmd.Flags().StringArrayVar(&f.flows, "flows", nil, "observed flows to mark the ones the change newly blocks: Hubble JSON, Calico flow logs or CSV (files or directories, repeatable; - for standard input); netpolc.yaml's flows are read from both revisions as well")
	_ = cmd.MarkFlagRequired("base")
	cmd.MarkFlagsMutuallyExclusive("head", "staged")
	return cmd
}

// run compares the two snapshots and prints the diff.
func (f *diffFlags) run(e *env, args []string) error {
	opts, err := f.out.options(e)
	if err != nil {
		return err
	}
	baseTree, headTree, spec, err := f.snapshots(args)
	if err != nil {
		return err
	}
	obs, err := f.observed()
	if err != nil {
		return err
	}
	d, observed, notes, err := gate.DiffObserved(baseTree, headTree, spec, obs)
	if err != nil {
		return sideError(e.stderr, err)
	}
	for _, n := range notes {
		fmt.Fprintf(e.stderr, "note: %s\n", n)
	}
	if err := gatereport.WriteDiffObserved(e.stdout, d, observed, opts); err != nil {
		return err
	}
	if f.exitCode && !d.Empty() {
		return errCheckFailed
	}
	return nil
}

// observed is the observed traffic to mark: --flows, and the flows the
// work tree's netpolc.yaml names, read from both revisions.
func (f *diffFlags) observed() (*gate.ObservedInput, error) {
	cfg, err := config.Find(".")
	if err != nil {
		return nil, err
	}
	if len(cfg.Flows) == 0 {
		return observedInput(f.flows, nil, nil, false)
	}
	repo, err := gitrev.Open(".")
	if err != nil {
		return nil, err
	}
	paths, err := flowPaths(repo, cfg)
	if err != nil {
		return nil, err
	}
	return observedInput(f.flows, paths, paths, false)
}

// snapshots opens the two sides and what to read from them.
func (f *diffFlags) snapshots(args []string) (base, head *gitrev.Tree, spec gate.Spec, err error) {
	cfg, err := config.Find(".")
	if err != nil {
		return nil, nil, spec, err
	}
	dir := ""
	if len(args) > 0 || len(f.in.manifests) == 0 {
		dir = config.Pick(oneDir(args, "."), len(args) > 0, cfg.Intents, ".")
	}
	repo, err := gitrev.Open(firstNonEmpty(dir, "."))
	if err != nil {
		return nil, nil, spec, err
	}
	if spec, err = repoSpec(repo, dir, f.in.manifests); err != nil {
		return nil, nil, spec, err
	}
	spec.SkipInvalid = f.in.skipInvalid
	if len(args) == 0 && dir != "" && cfg.Owners != nil {
		// Every owner's directory, as the work tree's netpolc.yaml
		// names them (diff shows; verify gates the map itself).
		s, err := settings(repo, cfg)
		if err != nil {
			return nil, nil, spec, err
		}
		spec.Owners = s.Owners
	}
	if spec.Controllers, err = f.in.controllerMap(cfg); err != nil {
		return nil, nil, spec, err
	}
	if spec.AdminChannel, err = adminChannel(cfg); err != nil {
		return nil, nil, spec, err
	}
	if base, err = repo.Revision(f.base); err != nil {
		return nil, nil, spec, err
	}
	head, err = headSnapshot(repo, f.head, f.staged, repo.WorkTree)
	return base, head, spec, err
}

// outputFlags are the report flags diff and verify share.
type outputFlags struct {
	format, color string
	limit         int
}

func (f *outputFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.format, "format", "text", "output format: text, md (for a pull request comment), json")
	cmd.Flags().StringVar(&f.color, "color", "auto", "colour text output: auto (on a terminal, unless NO_COLOR is set), always, never")
	cmd.Flags().IntVar(&f.limit, "limit", gatereport.DefaultLimit, "most rows a text or md report prints (0: all; json lists everything)")
}

// options checks the flags and decides on colour.
func (f *outputFlags) options(e *env) (gatereport.RenderOptions, error) {
	format, err := gatereport.ParseFormat(f.format)
	if err != nil {
		return gatereport.RenderOptions{}, err
	}
	if f.limit < 0 {
		return gatereport.RenderOptions{}, fmt.Errorf("--limit must be 0 (no cap) or more, not %d", f.limit)
	}
	o := gatereport.RenderOptions{Format: format, Limit: f.limit}
	switch f.color {
	case "always":
		o.Color = true
	case "never":
	case "auto":
		o.Color = isTerminal(e.stdout) && os.Getenv("NO_COLOR") == "" && os.Getenv("TERM") != "dumb"
	default:
		return o, fmt.Errorf("--color must be auto, always or never, not %q", f.color)
	}
	return o, nil
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// repoSpec converts the intents dir and manifest paths into repository
// paths.
func repoSpec(repo *gitrev.Repo, dir string, manifests []string) (gate.Spec, error) {
	var spec gate.Spec
	var err error
	if dir != "" {
		if spec.Intents, err = repo.Rel(dir); err != nil {
			return spec, err
		}
	}
	for _, m := range manifests {
		rel, err := repo.Rel(m)
		if err != nil {
			return spec, err
		}
		spec.Manifests = append(spec.Manifests, rel)
	}
	return spec, nil
}

// headSnapshot picks the head side: a revision, the index, or def.
func headSnapshot(repo *gitrev.Repo, rev string, staged bool, def func() *gitrev.Tree) (*gitrev.Tree, error) {
	switch {
	case rev != "":
		return repo.Revision(rev)
	case staged:
		return repo.Index()
	}
	return def(), nil
}

// sideError prints which snapshot failed to read or compile before its
// positioned errors, which Main prints.
func sideError(stderr io.Writer, err error) error {
	var se *gate.SideError
	if errors.As(err, &se) {
		fmt.Fprintf(stderr, "netpolc: in %s:\n", se.Side)
		return se.Err
	}
	return err
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}
