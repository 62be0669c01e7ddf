// Package pipeline is netpolc's one pipeline, assembled here and nowhere
// else: load the intents and manifests (from disk or a git snapshot),
// compile the intents to the IR, build the evaluation model, emit every
// requested target, prove each target's output equivalent to the intents,
// and hand the files to internal/output. Every command — build, vet,
// matrix, explain, diff, verify — runs its stages; Generate is pure (no
// disk writes), so verify can compare its output with what a repository
// holds.
package pipeline

import (
	"github.com/netpolc/netpolc/compiler"
	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/enforcer/proof"
	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/owners"
	"github.com/netpolc/netpolc/internal/target"
)

// Options tune a build.
type Options struct {
	// Targets are the targets to emit, sorted by name (target.Parse).
	Targets []target.Target
	// AllowApproximate lets a target that cannot express an intent exactly
	// emit the nearest narrower rule set (with a warning) instead of
	// failing. Nothing is ever emitted wider than the intents.
	AllowApproximate bool
	// Settings are the targets' options (kit.Option names) that are on.
	Settings kit.Settings
	// Inventory, when set, holds the real workloads (with pod IPs) that
	// targets needing addresses are rendered for and every target is
	// proven over; otherwise the intents' declared workloads are used.
	Inventory *inventory.Inventory
	// Owners, when set, places each file in its owner's folder
	// (Loaded.Owners).
	Owners *owners.Checker
}

// inventory is the workloads the build renders for and proves over.
func (o Options) inventory(res *compiler.Result) inventory.Inventory {
	if o.Inventory != nil {
		return *o.Inventory
	}
	return enforcer.IntentsInventory(res.Policy)
}

// Output is what one build produces.
type Output struct {
	Compiled *compiler.Result
	// Model is the intents' own evaluation model over the build's
	// inventory.
	Model *enforcer.Model
	// Connectivity is the intents' own matrix over that inventory; every
	// target's output is checked against it.
	Connectivity *enforcer.Connectivity
	// Files are every generated file, kustomization files included,
	// sorted by path.
	Files []kit.File
	// Warnings name rules a target expressed more narrowly than the
	// intents (only under AllowApproximate) and what a target's output
	// assumes of the cluster (kit.Output.Warnings).
	Warnings diag.List
}

// Generate emits every target of opts for compiled intents and proves
// each one's output equivalent before returning any file. All targets'
// errors are returned together.
func Generate(res *compiler.Result, opts Options) (*Output, error) {
	ref, err := proof.NewReference(res.Policy, opts.inventory(res))
	if err != nil {
		return nil, err
	}
	perAddr, err := ref.PerAddress()
	if err != nil {
		return nil, err
	}
	out := &Output{Compiled: res, Model: ref.Model, Connectivity: ref.Matrix}
	byTarget := map[string][]kit.File{}
	var errs diag.List
	for _, t := range opts.Targets {
		files, warns, err := emitProven(t, res, ref, perAddr, opts)
		if err != nil {
			errs = append(errs, diag.Collect(err)...)
			continue
		}
		byTarget[t.Name()] = files
		out.Warnings = append(out.Warnings, warns...)
	}
	if err := errs.Errors(); err != nil {
		return nil, err
	}
	if out.Files, err = opts.layout(byTarget); err != nil {
		return nil, err
	}
	out.Warnings.Sort()
	return out, nil
}

// emitProven runs one target's emitter and proves, from the emitted
// objects read back by the target's interpreter, that they mean what the
// intents mean (or, under AllowApproximate, nothing more) before anything
// can be written; with perAddr (endpoints of several IPs), per address too.
func emitProven(t target.Target, res *compiler.Result, ref, perAddr *proof.Reference, opts Options) ([]kit.File, diag.List, error) {
	em, err := t.Emit(kit.Input{Policy: res.Policy, Inventory: ref.Inventory,
		AllowApproximate: opts.AllowApproximate, Settings: opts.Settings})
	if err != nil {
		return nil, nil, err
	}
	if _, err := proof.ProveObjects(t, t.Name(), em.Objects, enforcer.InterpretInput{Settings: opts.Settings, PodCIDRs: res.Policy.PodCIDRs},
		ref, perAddr, opts.AllowApproximate); err != nil {
		return nil, nil, err
	}
	var warns diag.List
	for _, n := range em.Narrowed {
		warns.Warn(n.Origin.Pos, "",
			"this target expresses the rule more narrowly than the intents (--allow-approximate)", "%s: %s", t.Name(), n.Message)
	}
	for _, w := range em.Warnings {
		warns.Warn(w.Origin.Pos, "", "", "%s: %s", t.Name(), w.Message)
	}
	return em.Files, warns, nil
}

// Run is Load then Generate: the whole build of the intents src names.
func Run(src Sources, opts Options) (*Output, error) {
	l, err := Load(src)
	if err != nil {
		return nil, err
	}
	if l.Intents == nil {
		return nil, diag.Errorf("write the intents as .cue files of one package", "%s: no intents", src.IntentsDir)
	}
	opts.Owners = l.Owners
	return Generate(l.Intents, opts)
}
