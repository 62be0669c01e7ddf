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
	// Stream is the intents' own matrix over that inventory, as the
	// model's class tables hold it; every target's output is proven
	// against it (Matrix lists its pairs).
	Stream *enforcer.Stream
	matrix func() (*enforcer.Connectivity, error)
	// Files are every generated file, kustomization files included,
	// sorted by path.
	Files []kit.File
	// Warnings name rules a target expressed more narrowly than the
	// intents (only under AllowApproximate) and what a target's output
	// assumes of the cluster (kit.Output.Warnings).
	Warnings diag.List
}

// Matrix lists every pair of Stream, once, or is an error when there are
// more than a proof lists (the proof-connections limit).
func (o *Output) Matrix() (*enforcer.Connectivity, error) { return o.matrix() }

// Generate emits every target of opts for compiled intents and proves
// each one's output equivalent before returning any file: Start, then
// Wait. All targets' errors are returned together.
func Generate(res *compiler.Result, opts Options) (*Output, error) {
	p, err := Start(res, opts)
	if err != nil {
		return nil, err
	}
	return p.Wait()
}

// Pending is a build whose files are laid out while its targets' proofs
// still run (Start). Its files are unproven until Wait returns no error:
// they may be staged where nobody reads them (output.Options.Ready), never
// written where they take effect.
type Pending struct {
	out    *Output
	files  []kit.File
	proofs *prover
}

// Files are every generated file, kustomization files included, sorted by
// path: not yet proven (see Pending).
func (p *Pending) Files() []kit.File { return p.files }

// Intents are the compiled intents and their own matrix over the build's
// inventory (Output.Stream): neither depends on the proofs.
func (p *Pending) Intents() (*compiler.Result, *enforcer.Stream) {
	return p.out.Compiled, p.out.Stream
}

// Wait waits for the proofs and returns the build, or every target's
// proof error together. Waiting again returns the same.
func (p *Pending) Wait() (*Output, error) {
	if err := p.proofs.wait(); err != nil {
		return nil, err
	}
	p.out.Files = p.files
	return p.out, nil
}

// Start emits every target of opts for compiled intents and lays the
// files out, proving each target's output equivalent in the background
// (in target order, one at a time) while the next is emitted and while
// the caller stages the files. An emission error waits for the proofs,
// so that all targets' errors are returned together; a layout error is
// returned when every proof holds.
func Start(res *compiler.Result, opts Options) (*Pending, error) {
	inv := opts.inventory(res)
	refs := startReference(res, inv)
	out := &Output{Compiled: res}
	proofs := newProver(res, opts, len(opts.Targets))
	byTarget := map[string][]kit.File{}
	for i, t := range opts.Targets {
		em, err := emit(t, res, inv, opts)
		// The first target was emitted while the reference was evaluated:
		// the two only read the compiled intents.
		if rerr := refs.into(out); rerr != nil {
			proofs.close()
			return nil, rerr
		}
		if err != nil {
			proofs.fail(i, err)
			continue
		}
		proofs.prove(i, t, em, refs)
		byTarget[t.Name()] = em.Files
		out.Warnings = append(out.Warnings, warnings(t, em)...)
	}
	if err := refs.into(out); err != nil { // no target
		proofs.close()
		return nil, err
	}
	proofs.close()
	if proofs.emitFailed {
		return nil, proofs.wait()
	}
	files, err := opts.layout(byTarget)
	if err != nil {
		if perr := proofs.wait(); perr != nil {
			return nil, perr
		}
		return nil, err
	}
	out.Warnings.Sort()
	return &Pending{out: out, files: files, proofs: proofs}, nil
}

// references are the intents' reference and its per-address split,
// evaluated in the background (startReference).
type references struct {
	ref, perAddr *proof.Reference
	err          error
	done         chan struct{}
}

// startReference evaluates the reference over inv, and its per-address
// split, on another goroutine.
func startReference(res *compiler.Result, inv inventory.Inventory) *references {
	r := &references{done: make(chan struct{})}
	go func() {
		defer close(r.done)
		if r.ref, r.err = proof.NewReference(res.Policy, inv); r.err == nil {
			r.perAddr, r.err = r.ref.PerAddress()
		}
	}()
	return r
}

// into waits for the references and sets out's model and matrix from
// them; the error is the reference's, or the split's. Waiting again
// returns at once.
func (r *references) into(out *Output) error {
	<-r.done
	if r.err != nil {
		return r.err
	}
	out.Model, out.Stream, out.matrix = r.ref.Model, r.ref.Stream, r.ref.Matrix
	return nil
}

// emit runs one target's emitter over the build's inventory.
func emit(t target.Target, res *compiler.Result, inv inventory.Inventory, opts Options) (*kit.Output, error) {
	return t.Emit(kit.Input{Policy: res.Policy, Inventory: inv,
		AllowApproximate: opts.AllowApproximate, Settings: opts.Settings})
}

// prove proves, from a target's emitted objects read back by the target's
// interpreter, that they mean what the intents mean (or, under
// AllowApproximate, nothing more) before anything can be written; with
// perAddr (endpoints of several IPs), per address too.
func prove(t target.Target, res *compiler.Result, em *kit.Output, ref, perAddr *proof.Reference, opts Options) error {
	_, err := proof.ProveObjects(t, t.Name(), em.Objects, enforcer.InterpretInput{Settings: opts.Settings, PodCIDRs: res.Policy.PodCIDRs},
		ref, perAddr, opts.AllowApproximate)
	return err
}

// warnings are what a target's emission warns of.
func warnings(t target.Target, em *kit.Output) diag.List {
	var warns diag.List
	for _, n := range em.Narrowed {
		warns.Warn(n.Origin.Pos, "",
			"this target expresses the rule more narrowly than the intents (--allow-approximate)", "%s: %s", t.Name(), n.Message)
	}
	for _, w := range em.Warnings {
		warns.Warn(w.Origin.Pos, "", "", "%s: %s", t.Name(), w.Message)
	}
	return warns
}

// Run is the whole build of the intents src names: StartRun, then Wait.
func Run(src Sources, opts Options) (*Output, error) {
	p, err := StartRun(src, opts)
	if err != nil {
		return nil, err
	}
	return p.Wait()
}

// StartRun is Load then Start: the whole build of the intents src names,
// its proofs still running (see Pending).
func StartRun(src Sources, opts Options) (*Pending, error) {
	l, err := Load(src)
	if err != nil {
		return nil, err
	}
	if l.Intents == nil {
		return nil, diag.Errorf("write the intents as .cue files of one package", "%s: no intents", src.IntentsDir)
	}
	opts.Owners = l.Owners
	return Start(l.Intents, opts)
}
