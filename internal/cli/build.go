package cli

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/internal/config"
	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/gctune"
	"github.com/netpolc/netpolc/internal/manifests"
	"github.com/netpolc/netpolc/internal/output"
	"github.com/netpolc/netpolc/internal/pipeline"
	"github.com/netpolc/netpolc/internal/render"
	"github.com/netpolc/netpolc/internal/target"
)

const buildHelp = `Compile the CUE intents in DIR (default: the current directory) and
write the generated policies to OUT, laid out as a kustomize directory:

  OUT/kustomization.yaml
  OUT/networkpolicy/kustomization.yaml
  OUT/networkpolicy/<namespace>/<policy>.yaml
  OUT/cilium/...  OUT/calico/...  OUT/adminpolicy/...  OUT/nftables/netpolc.nft

Every target's output is read back with that enforcer's semantics and must
allow exactly what the intents allow (with --allow-approximate: nothing
more); a target that cannot express an intent fails, naming the intent's
line. Nothing is written unless the whole build succeeds, and the output is
switched as one tree (staged in .git/netpolc under a lock and a journal): a
build interrupted at any moment leaves the old tree or, once any netpolc
command has run, the new one. OUT must lie inside the git work tree, outside
.git and the intents directory. Files netpolc wrote
before and no longer produces are removed; any other file in OUT is left
alone. The output is byte-identical for identical intents, so GitOps diffs
stay quiet.

DIR, OUT and the targets default to what netpolc.yaml (found in the
current directory or a parent, up to the git work tree root) names as
intents, output and targets; flags override it.`

const buildExample = `  # compile the shop example into out/
  netpolc build examples/shop -o out/

  # point Flux or Argo CD at out/ (it is a kustomize directory)
  kustomize build out/

  # native rule sets: Calico, and nftables for the shop's pod IPs
  netpolc build examples/shop -o out/ --target calico,nftables --inventory examples/shop/cluster.yaml`

func newBuildCmd(e *env) *cobra.Command {
	var out string
	var lockTimeout time.Duration
	var bf buildFlags
	cmd := &cobra.Command{
		Use:     "build [DIR] -o OUT",
		Short:   "Compile intents into NetworkPolicies and native rule sets in a kustomize directory",
		Long:    buildHelp,
		Example: buildExample,
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := config.Find(".")
			if err != nil {
				return err
			}
			dir := displayPath(config.Pick(oneDir(args, "."), len(args) > 0, cfg.Intents, "."))
			outDir := displayPath(config.Pick(out, cmd.Flags().Changed("output"), cfg.Output, ""))
			if outDir == "" {
				return diag.Errorf("give -o OUT, the directory to write the policies to, or set output in "+config.FileName, "missing -o OUT")
			}
			src, err := buildSources(cfg, dir, len(args) > 0)
			if err != nil {
				return err
			}
			if err := checkPlaces(outDir, dir, src.Owners, outputFrom(cmd, cfg)); err != nil {
				return err
			}
			opts, err := bf.options(cmd, cfg, fromDisk)
			if err != nil {
				return err
			}
			pend, err := pipeline.StartRun(src, opts)
			if err != nil {
				return err
			}
			// The summary reads only the intents: it is worked out while
			// the files are staged.
			summary := make(chan render.Summary, 1)
			go func() {
				res, conn := pend.Intents()
				summary <- render.Summarize(res.Policy, conn)
			}()
			rep, err := writeProven(e, outDir, pend, opts.Targets, lockTimeout)
			if err != nil {
				return err
			}
			printReport(e, outDir, rep)
			(<-summary).Print(e.stdout)
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "directory to write the generated kustomize tree to (default: output in netpolc.yaml)")
	cmd.Flags().DurationVar(&lockTimeout, "lock-timeout", output.DefaultLockTimeout, "how long to wait for another build writing into the same work tree")
	bf.register(cmd)
	bf.registerStaged(cmd)
	return cmd
}

// buildFlags are the flags that shape the generated output: the targets,
// the inventory, allow-approximate and every target's own options (from
// the target registry). build and verify share them (and netpolc.yaml's
// values for them), so verify rebuilds exactly what build wrote.
type buildFlags struct {
	targets   []string
	inventory []string
	approx    bool
	staged    bool // build only: verify reads netpolc.yaml's staged
	settings  map[string]*bool
	values    map[string]*[]string // string-valued target options
}

func (f *buildFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringArrayVar(&f.inventory, "inventory", nil,
		"Kubernetes YAML of the real workloads (Pods with status.podIPs, Deployments, Namespaces; repeatable; default: inventory in netpolc.yaml): the nftables target is rendered for their IPs, and every target is proven over them")
	cmd.Flags().StringSliceVar(&f.targets, "target", nil, "output targets, comma-separated: "+strings.Join(target.Names(), ", ")+" (default: targets in netpolc.yaml, else "+target.Default+")")
	cmd.Flags().BoolVar(&f.approx, target.AllowApproximate, false,
		"where a target cannot express an intent exactly, emit the nearest narrower rules and warn, instead of failing")
	f.settings, f.values = map[string]*bool{}, map[string]*[]string{}
	for _, o := range target.Options() {
		switch o.Kind {
		case kit.OptionString:
			v := new([]string)
			f.values[o.Name] = v
			cmd.Flags().Var(newStringValue(v), o.Name, o.Help)
		case kit.OptionList:
			f.values[o.Name] = cmd.Flags().StringArray(o.Name, nil, o.Help)
		default:
			f.settings[o.Name] = cmd.Flags().Bool(o.Name, false, o.Help)
		}
	}
}

// registerStaged adds build's --staged. verify has no such flag (its
// "staged" is git's index): it rebuilds the staged form when netpolc.yaml
// says staged: true.
func (f *buildFlags) registerStaged(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&f.staged, target.Staged, false,
		"write each target's staged or audit form, which reports what it would drop and enforces nothing (calico, nftables, cilium audit mode, networkpolicy on Calico); a target without one fails")
}

// writeProven writes a build's files into outDir once they are proven:
// they are staged while the proofs run, and only a build whose every
// proof holds reaches the commit point (output.Options.Ready). A failed
// proof is the error, before any error of writing; the warnings are
// printed once the proofs hold, before the output changes.
func writeProven(e *env, outDir string, pend *pipeline.Pending, ts []target.Target, lockTimeout time.Duration) (output.Report, error) {
	warned := false
	proven := func() error {
		res, err := pend.Wait()
		if err == nil && !warned {
			warned = true
			printWarnings(e, res.Compiled.Warnings)
			printWarnings(e, res.Warnings)
			warnMixedEnforcers(e, outDir, ts)
		}
		return err
	}
	rep, werr := output.WriteWith(outDir, pend.Files(), output.Options{
		LockTimeout: lockTimeout,
		Notify:      func(msg string) { fmt.Fprintf(e.stderr, "netpolc: %s\n", msg) },
		Ready:       proven,
		Flushing:    gctune.ReturnFreed,
	})
	if err := proven(); err != nil {
		return rep, err
	}
	if werr != nil {
		return rep, outputError(werr)
	}
	return rep, nil
}

// warnMixedEnforcers warns when OUT's top-level kustomization lists more
// than one enforcer's policies: pointing Flux or Argo CD at OUT would
// apply them all, though each folder alone already means the intents.
func warnMixedEnforcers(e *env, outDir string, ts []target.Target) {
	var applied []string
	for _, t := range ts {
		if t.Name() != "nftables" { // a ruleset, not Kubernetes objects: never in a kustomization
			applied = append(applied, t.Name())
		}
	}
	if len(applied) < 2 {
		return
	}
	fmt.Fprintf(e.stderr, "%s: warning: lists %s: pointing Flux or Argo CD at %s applies all of them\n"+
		"    hint: point one Flux Kustomization or Argo CD Application at the folder of the target the cluster enforces (%s/%s), not at %s; see README \"Output\"\n",
		path.Join(outDir, "kustomization.yaml"), strings.Join(applied, ", "), outDir, outDir, applied[0], outDir)
}

// inventoryReader reads the inventory's files: from disk for build, from
// the snapshot being checked for verify.
type inventoryReader func(paths []string) (*manifests.Set, error)

// fromDisk reads inventory files from the work tree.
func fromDisk(paths []string) (*manifests.Set, error) { return manifests.Load(paths...) }

// options merges the flags with netpolc.yaml: a flag given wins.
func (f *buildFlags) options(cmd *cobra.Command, cfg *config.Config, read inventoryReader) (pipeline.Options, error) {
	ts, err := target.Parse(pickTargets(f.targets, cmd.Flags().Changed("target"), cfg.Targets))
	if err != nil {
		return pipeline.Options{}, err
	}
	o := pipeline.Options{Targets: ts, Settings: kit.Settings{}}
	inv := cfg.Inventory
	if cmd.Flags().Changed("inventory") {
		inv = f.inventory
	}
	if len(inv) > 0 {
		set, err := read(inv)
		if err != nil {
			return pipeline.Options{}, err
		}
		o.Inventory = &set.Inventory
	}
	o.AllowApproximate = cfg.Flag(target.AllowApproximate, f.approx, cmd.Flags().Changed(target.AllowApproximate))
	if cfg.Flag(target.Staged, f.staged, cmd.Flags().Changed(target.Staged)) {
		o.Settings[target.Staged] = true
	}
	for name, v := range f.settings {
		if cfg.Flag(name, *v, cmd.Flags().Changed(name)) {
			o.Settings[name] = true
		}
	}
	for name, v := range f.values {
		for _, s := range cfg.Strings(name, *v, cmd.Flags().Changed(name)) {
			o.Settings.SetValue(name, s)
		}
	}
	return o, nil
}

// outputFrom is where the output directory was given, for errors about
// it: netpolc.yaml's value, or nowhere (the -o flag).
func outputFrom(cmd *cobra.Command, cfg *config.Config) diag.Pos {
	if cmd.Flags().Changed("output") {
		return diag.Pos{}
	}
	return cfg.OutputPos
}

// pickTargets is the --target flag when given, else the config's targets.
func pickTargets(flag []string, given bool, cfg []string) []string {
	if given {
		return flag
	}
	return cfg
}

// printWarnings prints non-fatal findings to stderr.
func printWarnings(e *env, ws diag.List) {
	for _, w := range ws {
		fmt.Fprintln(e.stderr, w.Error())
	}
}

// displayPath shows a path relative to the working directory when it lies
// below it (netpolc.yaml paths are absolute), else as given.
func displayPath(p string) string {
	if p == "" || !filepath.IsAbs(p) {
		return p
	}
	wd, err := os.Getwd()
	if err != nil {
		return p
	}
	if rel, err := filepath.Rel(wd, p); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return p
}

// stringValue is a flag holding one string, kept as a one-element list so
// that string and list options share one reading.
type stringValue struct{ v *[]string }

func newStringValue(v *[]string) stringValue { return stringValue{v} }

func (s stringValue) String() string {
	if s.v == nil || len(*s.v) == 0 {
		return ""
	}
	return (*s.v)[0]
}

func (s stringValue) Set(v string) error {
	*s.v = []string{v}
	return nil
}

func (stringValue) Type() string { return "string" }
