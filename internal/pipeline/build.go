// Package build is the compile pipeline behind `netpolc build`: load the
// intents, compile them to the IR, run every requested emitter, prove each
// target's output equivalent to the intents, and lay the files out as a
// kustomize directory. Generation is pure (no disk writes), so verify can
// compare its output with what a repository holds.
package pipeline

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/netpolc/netpolc/compiler"
	"github.com/netpolc/netpolc/emitters"
	"github.com/netpolc/netpolc/emitters/kustomize"
	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/intent"
	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/evaluate"
	"github.com/netpolc/netpolc/internal/inventory"
)

// Target names an output target.
type Target string

// The output targets.
const (
	NetworkPolicy Target = "networkpolicy"
	Cilium        Target = "cilium"
	Calico        Target = "calico"
	AdminPolicy   Target = "adminpolicy"
	NFTables      Target = "nftables"
)

// AllTargets lists every target name in the CLI contract.
var AllTargets = []Target{NetworkPolicy, Cilium, Calico, AdminPolicy, NFTables}

// ParseTargets parses a comma-separated target list, sorted and
// de-duplicated; empty means networkpolicy.
func ParseTargets(list []string) ([]Target, error) {
	seen := map[Target]bool{}
	for _, item := range list {
		for _, name := range strings.Split(item, ",") {
			t := Target(strings.TrimSpace(name))
			if t == "" {
				continue
			}
			if _, ok := targetEmitters[t]; !ok {
				return nil, fmt.Errorf("unknown target %q (targets: networkpolicy, cilium, calico, adminpolicy, nftables): %w", t, diag.ErrInput)
			}
			seen[t] = true
		}
	}
	if len(seen) == 0 {
		seen[NetworkPolicy] = true
	}
	out := make([]Target, 0, len(seen))
	for t := range seen {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out, nil
}

// Options tune a build.
type Options struct {
	Targets []Target
	// AllowApproximate lets a target that cannot express an intent exactly
	// emit the nearest narrower rule set (with a warning) instead of
	// failing. Nothing is ever emitted wider than the intents.
	AllowApproximate bool
	// AdminV1Alpha1 emits AdminNetworkPolicy/BaselineAdminNetworkPolicy
	// v1alpha1 instead of ClusterNetworkPolicy v1alpha2.
	AdminV1Alpha1 bool
	// CiliumNamedPortsPerDestination declares a Cilium version that
	// resolves egress named ports per destination, as NetworkPolicy does.
	CiliumNamedPortsPerDestination bool
	// Inventory, when set, holds the real workloads (with pod IPs) that
	// the nftables target is rendered for and every target is proven
	// over; otherwise the intents' declared workloads are used.
	Inventory *inventory.Inventory
}

// inventory is the workloads the build renders for and proves over.
func (o Options) inventory(res *compiler.Result) inventory.Inventory {
	if o.Inventory != nil {
		return *o.Inventory
	}
	return evaluate.IntentsInventory(res.Policy)
}

// Output is what one build produces.
type Output struct {
	Compiled *compiler.Result
	// Model is the intents' own evaluation model over the build's
	// inventory.
	Model *enforcer.Model
	// Connectivity is the intents' own matrix over their workloads; every
	// target's output is checked against it.
	Connectivity *enforcer.Connectivity
	// Files are every generated file, kustomization files included,
	// sorted by path.
	Files []emitters.File
	// Warnings name rules a target expressed more narrowly than the
	// intents (only under AllowApproximate).
	Warnings diag.List
}

// Generate loads and compiles the intents in dir and renders every target.
func Generate(dir string, targets []Target) (*Output, error) {
	return GenerateDir(dir, Options{Targets: targets})
}

// GenerateDir loads the intents in dir and renders them with options.
func GenerateDir(dir string, opts Options) (*Output, error) {
	set, err := intent.Load(dir)
	if err != nil {
		return nil, err
	}
	return GenerateWith(set, opts)
}

// GenerateSet renders an already loaded intents set.
func GenerateSet(set *intent.Set, targets []Target) (*Output, error) {
	return GenerateWith(set, Options{Targets: targets})
}

// GenerateWith renders an already loaded intents set with options.
func GenerateWith(set *intent.Set, opts Options) (*Output, error) {
	res, err := compiler.Compile(set)
	if err != nil {
		return nil, err
	}
	ref, err := evaluate.NewReference(res, opts.inventory(res))
	if err != nil {
		return nil, err
	}
	out := &Output{Compiled: res, Model: ref.Model, Connectivity: ref.Matrix}
	byTarget := map[string][]emitters.File{}
	var errs []error
	for _, t := range opts.Targets {
		files, warns, err := emitProven(res, ref, opts, t)
		if err != nil {
			errs = append(errs, fmt.Errorf("target %s: %w", t, err))
			continue
		}
		byTarget[string(t)] = files
		out.Warnings = append(out.Warnings, warns...)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if out.Files, err = kustomize.Files(byTarget); err != nil {
		return nil, err
	}
	out.Warnings.Sort()
	return out, nil
}

// emitProven runs one target's emitter and proves, from the emitted
// objects, that they mean what the intents mean (or, under
// AllowApproximate, nothing more) before anything can be written.
func emitProven(res *compiler.Result, ref *evaluate.Reference, opts Options, t Target) ([]emitters.File, diag.List, error) {
	em, err := targetEmitters[t](res, ref, opts)
	if err != nil {
		return nil, nil, err
	}
	if em.conn != nil {
		if err := ref.ProveConnectivity(string(t), em.conn); err != nil {
			return nil, nil, err
		}
	} else if _, err := ref.Prove(string(t), em.policies, opts.AllowApproximate); err != nil {
		return nil, nil, err
	}
	var warns diag.List
	for _, n := range em.narrowed {
		warns.Warn(n.Origin.Pos, "",
			"this target expresses the rule more narrowly than the intents (--allow-approximate)", "%s: %s", t, n.Message)
	}
	return em.files, warns, nil
}
