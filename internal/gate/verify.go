// Package gate is the git gate behind `netpolc diff` and `netpolc
// verify`. It reads intents, manifests and generated output from git
// snapshots (a revision, the staged index, the work tree; see package
// gitrev), compiles and evaluates each side, and reports:
//
//   - drift: the generated output in the snapshot is not what `netpolc
//     build` makes from the snapshot's intents;
//   - broken guardrails and failing expect assertions (package lint);
//   - the connectivity diff between two snapshots: flows opened, closed
//     and changed, each with the intent lines that allow it.
//
// Its reports are printed by package internal/render/gatereport.
package gate

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/netpolc/netpolc/compiler"

	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/gctune"
	"github.com/netpolc/netpolc/internal/gitrev"
	"github.com/netpolc/netpolc/internal/lint"
	"github.com/netpolc/netpolc/internal/owners"
	"github.com/netpolc/netpolc/internal/pipeline"
)

// errNoIntents: the snapshot holds no intents to verify.
var errNoIntents = errors.New("nothing to verify")

// ErrNotFound is returned when a path names nothing on either side of a
// comparison (most likely a typo).
var ErrNotFound = errors.New("not found on either side")

// Options configure Run.
type Options struct {
	// Head is the snapshot to check (the staged index in a pre-commit
	// hook); Base, when set, the one to compare its connectivity with.
	Head, Base *gitrev.Tree
	// Intents is the intents directory, Output the generated output
	// ("" skips the drift check), as repository paths.
	Intents, Output string
	// Build are the options the output is built with (targets and the
	// flags that shape it), as `netpolc build` was given them.
	Build pipeline.Options
	// DenyOpened fails the check when any flow was opened.
	DenyOpened bool
	// Config is the gate's configuration at the base and the head.
	Config ConfigCheck
	// Owners is the ownership map the intents are checked against and
	// the output is laid out by (repository paths), nil without one:
	// the base's, unless a reviewed change to it is allowed
	// (ConfigCheck.AllowOwners).
	Owners owners.Map
	// Cache, when set, records sound runs and reuses them for a base and
	// head that hold the same inputs (see Cache); nil always runs in full.
	Cache *Cache
	// Observed, when set, is observed traffic the change may not block
	// (see ObservedInput); it needs a Base.
	Observed *ObservedInput
}

// Report is the result of Run.
type Report struct {
	Head, Base string
	Intents    string
	Drift      Drift
	// Findings are the gate's findings on the head intents (broken
	// guardrails, failing expectations; see lint.Gate). Lint warnings are
	// vet's business.
	Findings diag.List
	// Guardrails and Expectations count what was checked.
	Guardrails, Expectations int
	// Diff is the connectivity change from Base (nil without a base).
	Diff       *Diff
	DenyOpened bool
	// ConfigChanges are the changes to the gate's own configuration from
	// the base (see ConfigCheck); they fail the run unless ConfigAllowed.
	ConfigChanges []string
	ConfigAllowed bool
	// OwnerChanges are the changes to netpolc.yaml's ownership map from
	// the base: they grant or take namespaces, so they fail the run
	// unless OwnersAllowed (--allow-owner-change).
	OwnerChanges  []string
	OwnersAllowed bool
	// OldDrift is the drift of the output directory the base names when
	// the head names another (or none): it is still checked, so a commit
	// cannot hand-edit it while moving the output away. Under
	// ConfigAllowed only changed files count, not missing or extra ones.
	OldDrift *Drift
	// Reused is set when nothing was compiled: the base and the head
	// hold the same inputs, and this state was verified in full before
	// (see Cache).
	Reused bool
	// Observed is the verdict of observed traffic on the change (nil
	// without Options.Observed).
	Observed *Observed
}

// Failed reports whether any check failed.
func (r *Report) Failed() bool {
	return r.Drift.Drifted() || r.Findings.Errors() != nil || r.OpenedDenied() ||
		(len(r.ConfigChanges) > 0 && !r.ConfigAllowed) || (len(r.OwnerChanges) > 0 && !r.OwnersAllowed) || (r.OldDrift != nil && r.OldDrift.Drifted()) ||
		r.Observed.Failed()
}

// OpenedDenied reports whether the change opens connectivity while
// --deny-opened is set.
func (r *Report) OpenedDenied() bool {
	return r.DenyOpened && r.Diff != nil && r.opens()
}

// opens reports whether the diff allows anything new: an opened flow, or
// a changed one that gained ports.
func (r *Report) opens() bool {
	for _, f := range r.Diff.Flows {
		if f.Change == Opened || (f.Change == Changed && !f.After.Subtract(f.Before).IsEmpty()) {
			return true
		}
	}
	return false
}

// Run checks the head snapshot and compares it with the base. The two
// sides are compiled concurrently. Errors are input errors (intents that
// do not compile, unreadable snapshots); failed checks are in the report.
// With o.Cache, a state verified in full before is not compiled again
// when the base holds the same inputs, and a sound full run is recorded.
func Run(o Options) (*Report, error) {
	key, same := o.cacheKey()
	if key != "" && same {
		if r := o.reuse(key); r != nil {
			return r, nil
		}
	}
	r, err := run(o)
	if err == nil && key != "" && !r.Failed() && len(r.Findings) == 0 {
		_ = o.Cache.store(key, cacheEntry{files: r.Drift.Files, guardrails: r.Guardrails, expectations: r.Expectations})
	}
	return r, err
}

// reuse is the report of a recorded state, for a base with the head's
// inputs: nil when none is recorded, or when the configuration check
// finds anything (it cannot, with the same netpolc.yaml; never assume).
func (o Options) reuse(key string) *Report {
	e, ok := o.Cache.lookup(key)
	if !ok || o.Base == nil {
		return nil
	}
	r := &Report{Head: o.Head.Name, Base: o.Base.Name, Intents: o.Intents, DenyOpened: o.DenyOpened, Reused: true,
		ConfigAllowed: o.Config.Allow, OwnerChanges: o.Config.OwnerChanges(), OwnersAllowed: o.Config.AllowOwners,
		ConfigChanges: configChanges(o.Config, nil, nil),
		Guardrails:    e.guardrails, Expectations: e.expectations,
		Diff: &Diff{Base: o.Base.Name, Head: o.Head.Name}}
	if o.Owners != nil {
		r.Intents = ownerDirs(o.Owners)
	}
	if o.Output != "" {
		r.Drift = Drift{Output: o.Output, Files: e.files}
	}
	if o.Observed != nil {
		// The same inputs make the same model at both sides: nothing
		// observed can be newly blocked, whatever the flows hold.
		r.Observed = &Observed{Unchanged: true, AllowClosing: o.Observed.AllowClosing}
	}
	if len(r.ConfigChanges)+len(r.OwnerChanges) > 0 || (o.Config.Base.Output != "" && o.Config.Base.Output != o.Output) {
		return nil
	}
	return r
}

// run is Run in full.
func run(o Options) (*Report, error) {
	outputs := o.startReadOutputs()
	defer outputs.wait() // no read of the snapshot outlives the run
	base, head, err := loadSides(o)
	if err != nil {
		return nil, err
	}
	r := &Report{Head: head.Name, Intents: o.Intents, DenyOpened: o.DenyOpened, ConfigAllowed: o.Config.Allow,
		OwnerChanges: o.Config.OwnerChanges(), OwnersAllowed: o.Config.AllowOwners}
	if o.Owners != nil {
		r.Intents = ownerDirs(o.Owners)
	}
	if err := r.checkDrifts(o, head, outputs); err != nil {
		return nil, err
	}
	var baseCompiled *compiler.Result
	if base != nil {
		baseCompiled = base.Compiled
	}
	r.ConfigChanges = configChanges(o.Config, baseCompiled, head.Compiled)
	r.Findings = lint.Gate(lint.Input{
		Compiled:  head.Compiled,
		Inventory: enforcer.IntentsInventory(head.Compiled.Policy),
		Model:     head.Model,
		Matrix:    head.Matrix,
	})
	r.Guardrails, r.Expectations = len(head.Compiled.Policy.Guardrails), len(head.Compiled.Policy.Expectations)
	if base != nil {
		r.Base = base.Name
		if r.Diff, err = compareSides(base, head); err != nil {
			return nil, err
		}
	}
	if o.Observed != nil && base != nil {
		in := *o.Observed
		in.BaseEnforcesNothing = o.Config.enforcementTurnsOn()
		if r.Observed, err = observe(&in, o.Base, o.Head, base, head); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// newShare makes what the two sides of a run share (a variable for the
// tests, which count what was shared or share nothing).
var newShare = pipeline.NewShare

// loadSides compiles the head, then compiles and evaluates the base (when
// set) while the head is built; a base with the head's intents is the
// head's side. The base reuses what of the head's compile it has in
// common (pipeline.Share: the parts of a large package that the change
// does not touch), which is why the two compiles do not overlap.
func loadSides(o Options) (base, head *Side, err error) {
	headFiles, err := readIntentFiles(o.Head, o.Intents, o.Owners)
	if err != nil {
		return nil, nil, err
	}
	var baseFiles intentFiles
	same := false
	if o.Base != nil {
		if baseFiles, err = readIntentFiles(o.Base, o.Intents, o.Owners); err != nil {
			return nil, nil, err
		}
		// A commit that does not touch the intents (the common
		// pre-commit case) needs one compile, not two.
		same = headFiles.equal(baseFiles)
	}
	share := newShare()
	// One collection once both graphs are released, not one in between:
	// after the head's compile most of its graph is still live (the base
	// reuses its parts), so collecting there marked 1.3 GB to free 0.6 GB
	// and blocked half a second before the base could start (repo-20k).
	release := func() {}
	if o.Base != nil && !same {
		release = gctune.Building()
	}
	defer release() // on an error; releasing twice is once
	if head, err = compileBuild(o.Head.Name, headFiles, share); err != nil {
		return nil, nil, err
	}
	var wg sync.WaitGroup
	var baseErr error
	if o.Base != nil && !same {
		wg.Go(func() {
			base, baseErr = compileSide(o.Base, Spec{Intents: o.Intents, Owners: o.Owners}, &baseFiles, share)
			release()
			if baseErr == nil {
				baseErr = base.evaluate()
			}
		})
	}
	err = head.generate(o.Build)
	wg.Wait()
	if err != nil {
		return nil, nil, err
	}
	if baseErr != nil {
		return nil, nil, fmt.Errorf("base %w", baseErr)
	}
	if same {
		b := *head
		b.Name = o.Base.Name
		base = &b
	}
	return base, head, nil
}

// outputReads are the head's output directories (see checkDrifts) as
// read from the snapshot: the one the head names, and the base's when it
// named another.
type outputReads struct{ head, old func() *snapshotOutput }

// wait waits for both reads.
func (r outputReads) wait() {
	for _, f := range []func() *snapshotOutput{r.head, r.old} {
		if f != nil {
			f()
		}
	}
}

// startReadOutputs reads the output directories that checkDrifts
// compares while the sides compile.
func (o Options) startReadOutputs() outputReads {
	var r outputReads
	if o.Output != "" {
		r.head = startReadOutput(o.Head, o.Output)
	}
	if old := o.Config.Base.Output; old != "" && old != o.Output {
		r.old = startReadOutput(o.Head, old)
	}
	return r
}

// checkDrifts checks the output the head names and, when the base named
// another, that one too.
func (r *Report) checkDrifts(o Options, head *Side, outputs outputReads) error {
	var err error
	if outputs.head != nil {
		if r.Drift, err = outputs.head().drift(head.Output.Files); err != nil {
			return err
		}
	}
	if outputs.old == nil {
		return nil
	}
	d, err := outputs.old().drift(head.Output.Files)
	if err != nil {
		return err
	}
	if o.Config.Allow {
		d.Missing, d.Extra = nil, nil // moved or removed on purpose; edits still count
	}
	r.OldDrift = &d
	return nil
}

// DiffSnapshots loads what spec names from two snapshots (concurrently)
// and compares their connectivity. A path that exists on neither side is
// ErrNotFound.
func DiffSnapshots(base, head *gitrev.Tree, spec Spec) (*Diff, []string, error) {
	d, _, notes, err := DiffObserved(base, head, spec, nil)
	return d, notes, err
}

// DiffObserved is DiffSnapshots, also judging observed traffic by the
// change when in is set (nil Observed otherwise).
func DiffObserved(base, head *gitrev.Tree, spec Spec, in *ObservedInput) (*Diff, *Observed, []string, error) {
	if err := checkPaths(base, head, spec); err != nil {
		return nil, nil, nil, err
	}
	// The head is compiled first, then the base reuses what it has in
	// common (see loadSides) while the head is evaluated.
	share := newShare()
	h, err := compileSide(head, spec, nil, share)
	if err != nil {
		return nil, nil, nil, err
	}
	var wg sync.WaitGroup
	var b *Side
	var bErr error
	wg.Go(func() {
		if b, bErr = compileSide(base, spec, nil, share); bErr == nil {
			bErr = b.evaluate()
		}
	})
	err = h.evaluate()
	wg.Wait()
	if err != nil {
		return nil, nil, nil, err
	}
	if bErr != nil {
		return nil, nil, nil, fmt.Errorf("base %w", bErr)
	}
	d, err := compareSides(b, h)
	if err != nil || in == nil {
		return d, nil, h.Notes, err
	}
	o, err := observe(in, base, head, b, h)
	return d, o, h.Notes, err
}

// checkPaths refuses a path that exists on neither side.
func checkPaths(base, head *gitrev.Tree, spec Spec) error {
	for _, p := range append([]string{spec.Intents}, spec.Manifests...) {
		if p == "" {
			continue
		}
		inBase, err := base.Has(p)
		if err != nil {
			return err
		}
		inHead, err := head.Has(p)
		if err != nil {
			return err
		}
		if !inBase && !inHead {
			return &diag.Diagnostic{Severity: diag.Error, Msg: fmt.Sprintf("%s: %v (%s, %s)", p, ErrNotFound, base.Name, head.Name),
				Hint: "check the path; new files must be staged with git add", Err: ErrNotFound}
		}
	}
	return nil
}

// Summary is the one-line account of a passing run.
func (r *Report) Summary() string {
	parts := []string{fmt.Sprintf("intents %s compile", r.Intents)}
	if r.Drift.Output != "" {
		parts[0] = fmt.Sprintf("%s matches a fresh build of %s (%d files)", r.Drift.Output, r.Intents, r.Drift.Files)
	}
	if r.Reused {
		parts[0] = "unchanged since a full verify: " + parts[0]
	}
	parts = append(parts, fmt.Sprintf("%d guardrail(s) and %d expectation(s) hold", r.Guardrails, r.Expectations))
	if d := r.Diff; d != nil {
		change := "no connectivity change"
		if !d.Empty() {
			change = fmt.Sprintf("%d opened, %d changed, %d closed flow(s)", d.Opened, d.Changed, d.Closed)
		}
		parts = append(parts, fmt.Sprintf("vs %s: %s", d.Base, change))
	}
	if r.Observed != nil {
		parts = append(parts, r.Observed.Summary())
	}
	if len(r.ConfigChanges) > 0 {
		parts = append(parts, "gate configuration changed (allowed): "+strings.Join(r.ConfigChanges, ", "))
	}
	if len(r.OwnerChanges) > 0 {
		parts = append(parts, "owners changed (allowed): "+strings.Join(r.OwnerChanges, ", "))
	}
	return r.Head + ": " + strings.Join(parts, "; ")
}

// ownerDirs names the owners' directories, for the report.
func ownerDirs(m owners.Map) string {
	dirs := make([]string, len(m))
	for i, o := range m {
		dirs[i] = o.Dir
	}
	return strings.Join(dirs, ", ")
}
