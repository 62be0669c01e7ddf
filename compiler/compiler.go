// Package compiler turns a loaded intents set into the one IR (compiler/ir)
// that every emitter and the evaluation model read. It resolves workloads,
// named ports and the cluster DNS, expands template instances, validates
// every label, CIDR and port with apimachinery's helpers, and keeps the CUE
// position of each intent on the IR element it produced.
package compiler

import (
	"cuelang.org/go/cue"

	"github.com/netpolc/netpolc/internal/portset"

	"github.com/netpolc/netpolc/intent"
	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/ir"
)

// Result is a compiled intent set.
type Result struct {
	// Policy is the IR, guardrails and expectations included.
	Policy *ir.Policy
	// Warnings are findings that do not stop the build.
	Warnings diag.List
	// Merged are the isolations and rules merged into an exact duplicate
	// of Policy (same subject, direction, peer, ports and action), each
	// with its own origin; only those two lists are set. Policy keeps
	// one origin per element, the first by file and line.
	Merged *ir.Policy
}

// compiler holds the state of one compilation.
type compiler struct {
	set   *intent.Set
	diags diag.List
	out   *ir.Policy
	// workloads by "namespace/name"; inNamespace lists each namespace's
	// (indexes into out.Workloads), so that naming a podSelector subject
	// is not a scan of every workload.
	workloads   map[string]*ir.Workload
	inNamespace map[string][]int
	// namespaces by name.
	namespaces map[string]*ir.Namespace
	// portNames maps a declared port name to the protocols it is
	// declared with.
	portNames map[string]map[portset.Protocol]bool
	// lim bounds lists, policies and rules after expansion.
	lim intent.Limits
	// npolicies counts the policies compiled so far; rulesOver is set
	// once the rules are over the limit.
	npolicies int
	rulesOver bool
	// clusterNames maps "tier/name" of each cluster-wide intent to its
	// origin; clusterRules counts their rules (for the rules limit).
	clusterNames map[string]ir.Origin
	clusterRules int
	// shared records and replays the sets' phases (nil: none); reads
	// are the lookups of the phase running for it (see Shared).
	shared *Shared
	reads  map[string]any
}

// Compile compiles a loaded intents set. All user errors are returned
// together as a diag.List (which matches diag.ErrInput).
func Compile(set *intent.Set) (*Result, error) { return CompileAll([]*intent.Set{set}) }

// CompileAll compiles several intents directories as one cluster: the
// directories of a repository's owners, each its own CUE package. Every
// directory's rules see every directory's declarations (a team's peers are
// often another team's workloads); a namespace is declared in one
// directory only. The cluster settings (`cluster:`) are the first set's:
// the platform directory's.
//
// A set evaluated in parts (intent.Set.Parts) is compiled from its parts;
// when that finds errors, the sets are evaluated whole and compiled again,
// so that what is reported does not depend on how a set was split.
func CompileAll(sets []*intent.Set) (*Result, error) { return compileSets(sets, nil) }

// compileSets is CompileAll, the parts compiled in parallel through sh.
func compileSets(sets []*intent.Set, sh *Shared) (*Result, error) {
	var parts []*intent.Set
	for _, s := range sets {
		parts = append(parts, s.Parts()...)
	}
	res, err := compileAll(parts, true, sh)
	if err == errSerial {
		res, err = compileAll(parts, false, nil)
	}
	if err == nil || len(parts) == len(sets) {
		return res, err
	}
	whole := make([]*intent.Set, len(sets))
	for i, s := range sets {
		if whole[i], err = s.Whole(); err != nil {
			return nil, err
		}
	}
	return compileAll(whole, false, nil)
}

// compileAll compiles sets whose Values are read directly. In parallel,
// the declarations and then the rules of each set are read on every CPU
// (see fork, through sh when set); errSerial says that the sets must be
// compiled in turn.
func compileAll(sets []*intent.Set, parallel bool, sh *Shared) (*Result, error) {
	c := &compiler{
		set:        sets[0],
		out:        &ir.Policy{},
		workloads:  map[string]*ir.Workload{},
		namespaces: map[string]*ir.Namespace{},
		portNames:  map[string]map[portset.Protocol]bool{},
		lim:        limitsOf(sets[0]),

		clusterNames: map[string]ir.Origin{},
		shared:       sh,
	}
	roots := make([]*node, len(sets))
	for i, s := range sets {
		roots[i] = newNode(s.Value)
	}
	c.cluster(get(roots[0], "cluster"))
	declare := func(c *compiler, i int) {
		if i > 0 {
			c.foreignCluster(get(roots[i], "cluster"))
		}
		c.declarations(get(roots[i], "namespaces"))
	}
	if !c.phase(phaseDeclare, sets, parallel, declare, (*compiler).joinDeclarations) {
		return nil, errSerial
	}
	c.indexDeclarations()
	if err := c.diags.Errors(); err != nil {
		// Rules refer to declarations; stop before a cascade of
		// follow-on errors.
		return nil, err
	}
	rules := func(c *compiler, i int) {
		c.policies(get(roots[i], "policies"), ir.Origin{})
		c.platform(get(roots[i], "platform"), ir.Origin{})
		c.templates(get(roots[i], "use"))
	}
	if !c.phase(phaseRules, sets, parallel, rules, (*compiler).joinRules) {
		return nil, errSerial
	}
	c.checkTies()
	var expects []ir.Expectation
	var guards []ir.Guardrail
	var closes []ir.Closing
	c.each(sets, func(i int) {
		expects = append(expects, c.expectations(get(roots[i], "expect"))...)
		guards = append(guards, c.guardrails(get(roots[i], "guardrails"))...)
		closes = append(closes, c.closings(get(roots[i], "closes"))...)
	})
	if err := c.diags.Errors(); err != nil {
		return nil, err
	}
	merged := normalize(c.out)
	sortCluster(c.out)
	c.out.Expectations, c.out.Guardrails, c.out.Closes = expects, guards, closes
	return &Result{Policy: c.out, Warnings: c.diags.Warnings(), Merged: merged}, nil
}

// each runs fn with the compiler reading positions from each set in turn.
func (c *compiler) each(sets []*intent.Set, fn func(int)) {
	for i, s := range sets {
		c.set = s
		fn(i)
	}
	c.set = sets[0]
}

// foreignCluster refuses cluster settings written outside the first
// (platform) directory: one cluster has one DNS and one pod network, and
// a team's value would silently lose to the platform's.
func (c *compiler) foreignCluster(v *node) {
	if p, ok := c.set.UserPos(v.val()); ok {
		c.diags.Add(p, "cluster", "move them to the platform directory", "cluster settings outside the platform directory")
	}
}

// pos is the user-facing position of a value. A value unified with the
// schema may report the schema's position; the conjunct written in the
// user's file is the one worth pointing at.
func (c *compiler) pos(n *node) diag.Pos {
	v := n.val()
	p := c.set.Pos(v.Pos())
	if c.set.IsUserFile(p.File) {
		return p
	}
	if up, ok := c.set.UserPos(v); ok {
		return up
	}
	if up, ok := c.userPos(v, 3); ok {
		return up
	}
	return p
}

// userPos searches v's conjuncts (depth-limited) for a user-file position.
func (c *compiler) userPos(v cue.Value, depth int) (diag.Pos, bool) {
	if depth == 0 {
		return diag.Pos{}, false
	}
	op, args := v.Expr()
	if op != cue.AndOp && op != cue.OrOp {
		return diag.Pos{}, false
	}
	for _, a := range args {
		if p := c.set.Pos(a.Pos()); c.set.IsUserFile(p.File) {
			return p, true
		}
		if p, ok := c.userPos(a, depth-1); ok {
			return p, true
		}
	}
	return diag.Pos{}, false
}

// origin is the IR origin of a value, or the template instance it came
// from when via is set.
func (c *compiler) origin(v *node, via ir.Origin) ir.Origin {
	if via.File != "" {
		return via
	}
	return ir.Origin{Pos: c.pos(v), Path: intent.PathString(v.Path().String())}
}

// errorf records an error at v, naming its CUE path.
func (c *compiler) errorf(v *node, hint, format string, args ...any) {
	c.diags.Add(c.pos(v), intent.PathString(v.Path().String()), hint, format, args...)
}

// errorAt records an error at an origin (for values expanded from a
// template, whose own position is inside the template).
func (c *compiler) errorAt(v *node, via ir.Origin, hint, format string, args ...any) {
	if via.File == "" {
		c.errorf(v, hint, format, args...)
		return
	}
	c.diags.Add(via.Pos, intent.PathString(v.Path().String()), hint, format, args...)
}

// fields iterates the regular fields of a struct value in order.
func fields(v *node, fn func(name string, v *node)) {
	v, _ = v.Default()
	v.each(fn)
}

// str returns a concrete string field, or "" and false when absent.
func str(v *node, field string) (string, bool) { return strOf(get(v, field)) }

// get is a struct's field by name, or nil when absent. The struct's
// fields are read once (see node).
func get(v *node, name string) *node { return v.get(name) }
