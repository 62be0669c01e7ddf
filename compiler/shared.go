package compiler

import (
	"maps"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/netpolc/netpolc/intent"
	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/portset"
)

// Shared lets the compiles of one process reuse what reading a set (a part
// of a large package, intent.Shared hands the same part to each load) came
// to in a phase, as `netpolc verify` compiles the base and the head of a
// change. What a phase reads is its set's values and, of the declarations
// of every set (the rules phase), exactly what it looked up: a namespace,
// a workload, the workloads of a namespace, the protocols of a port name
// (see declaredNamespace and the others), and the cluster settings and
// limits. A phase is reused only when all of those are equal (deeply) to
// what the compile that ran it read; its output is copied deeply both
// ways, so no compile shares memory with another. A phase that read
// anything it cannot copy is not recorded.
//
// The sets' CUE values are read by one compile at a time: the caller
// orders the compiles (see intent.Shared).
type Shared struct {
	mu      sync.Mutex
	entries map[phaseKey][]*phaseRun
	// run counts the phases read from a set's values, reused those
	// replayed from a record.
	run, reused atomic.Int64
}

// NewShared is an empty Shared.
func NewShared() *Shared { return &Shared{entries: map[phaseKey][]*phaseRun{}} }

// Compiled is how many phases of a set were compiled from its values
// through sh; Reused how many were taken from a record instead.
func (sh *Shared) Compiled() int { return int(sh.run.Load()) }

// Reused: see Compiled.
func (sh *Shared) Reused() int { return int(sh.reused.Load()) }

// CompileShared is CompileAll, reusing phases other compiles recorded in
// sh (nil reuses nothing).
func CompileShared(sets []*intent.Set, sh *Shared) (*Result, error) {
	return compileSets(sets, sh)
}

// phaseKey names one phase of one set at one place in the list (the first
// set's cluster settings are the cluster's).
type phaseKey struct {
	set   *intent.Set
	phase string
	first bool
}

// phaseRun is a recorded phase: what it read and what it produced.
type phaseRun struct {
	global globalRead
	reads  map[string]any
	out    forkOutput
}

// globalRead is what every phase may read of the compile beside the
// lookups.
type globalRead struct {
	DNS      ir.Peer
	PodCIDRs []string
	Limits   intent.Limits
}

// forkOutput is what joining a fork reads of it.
type forkOutput struct {
	Namespaces   []ir.Namespace
	Workloads    []ir.Workload
	Isolations   []ir.Isolation
	Rules        []ir.Rule
	Cluster      []ir.ClusterPolicy
	Diags        diag.List
	ClusterNames map[string]ir.Origin
	NPolicies    int
	ClusterRules int
}

// Phase names for phaseKey.
const (
	phaseDeclare = "declarations"
	phaseRules   = "rules"
)

// runFork runs fn on a fork of c for set i, or replays a recorded run of
// the same phase whose reads c answers alike.
func (c *compiler) runFork(phase string, sets []*intent.Set, i int, fn func(*compiler, int)) *compiler {
	f := c.fork(sets[i])
	sh := c.shared
	if sh == nil || (phase == phaseDeclare && len(c.out.Namespaces)+len(c.out.Workloads) > 0) {
		fn(f, i)
		return f
	}
	k := phaseKey{set: sets[i], phase: phase, first: i == 0}
	g := c.globalRead()
	sh.mu.Lock()
	runs := slices.Clone(sh.entries[k])
	sh.mu.Unlock()
	for _, r := range runs {
		if r.matches(f, g) {
			if out, ok := deepCopy(r.out); ok {
				sh.reused.Add(1)
				f.restore(out)
				return f
			}
		}
	}
	sh.run.Add(1)
	f.reads = map[string]any{}
	fn(f, i)
	r := &phaseRun{global: g, reads: f.reads, out: f.output(phase)}
	f.reads = nil
	ok := true
	if r.global, ok = deepCopy(r.global); ok {
		r.out, ok = deepCopy(r.out)
	}
	if ok {
		r.reads, ok = deepCopy(r.reads)
	}
	if ok {
		sh.mu.Lock()
		sh.entries[k] = append(sh.entries[k], r)
		sh.mu.Unlock()
	}
	return f
}

func (c *compiler) globalRead() globalRead {
	return globalRead{DNS: c.out.DNS, PodCIDRs: c.out.PodCIDRs, Limits: c.lim}
}

// matches reports whether c (a fresh fork) answers every read of r as the
// fork that recorded it did.
func (r *phaseRun) matches(c *compiler, g globalRead) bool {
	if !reflect.DeepEqual(r.global, g) {
		return false
	}
	for k, v := range r.reads {
		if !reflect.DeepEqual(c.answer(k), v) {
			return false
		}
	}
	return true
}

// output is what joining the fork reads: its declarations after the
// declarations phase, the rest after the rules phase.
func (c *compiler) output(phase string) forkOutput {
	o := forkOutput{Isolations: c.out.Isolations, Rules: c.out.Rules, Cluster: c.out.Cluster, Diags: c.diags,
		ClusterNames: c.clusterNames, NPolicies: c.npolicies, ClusterRules: c.clusterRules}
	if phase == phaseDeclare {
		o.Namespaces, o.Workloads = c.out.Namespaces, c.out.Workloads
	}
	return o
}

// restore sets a fork to a recorded output.
func (c *compiler) restore(o forkOutput) {
	if o.Namespaces != nil || o.Workloads != nil {
		c.out.Namespaces, c.out.Workloads = o.Namespaces, o.Workloads
	}
	c.out.Isolations, c.out.Rules, c.out.Cluster, c.diags = o.Isolations, o.Rules, o.Cluster, o.Diags
	c.clusterNames, c.npolicies, c.clusterRules = o.ClusterNames, o.NPolicies, o.ClusterRules
	if c.clusterNames == nil {
		c.clusterNames = map[string]ir.Origin{}
	}
}

// The lookups of the declarations a phase makes, recorded in c.reads
// when it runs for Shared: the key says what was asked, answer what
// the compile answers.
const (
	readNamespace = "namespace\x00"
	readWorkload  = "workload\x00"
	readIn        = "in\x00"
	readPort      = "port\x00"
)

func (c *compiler) read(key string) {
	if c.reads != nil {
		if _, seen := c.reads[key]; !seen {
			c.reads[key] = c.answer(key)
		}
	}
}

// namespaceAnswer and workloadAnswer are the answers to a lookup, found
// or not.
type namespaceAnswer struct {
	Found bool
	NS    ir.Namespace
}

type workloadAnswer struct {
	Found bool
	W     ir.Workload
}

// answer is what c's declarations say to a recorded lookup.
func (c *compiler) answer(key string) any {
	switch {
	case len(key) > len(readNamespace) && key[:len(readNamespace)] == readNamespace:
		ns, ok := c.namespaces[key[len(readNamespace):]]
		if !ok || ns == nil {
			return namespaceAnswer{Found: ok}
		}
		return namespaceAnswer{Found: true, NS: *ns}
	case len(key) > len(readWorkload) && key[:len(readWorkload)] == readWorkload:
		w, ok := c.workloads[key[len(readWorkload):]]
		if !ok || w == nil {
			return workloadAnswer{Found: ok}
		}
		return workloadAnswer{Found: true, W: *w}
	case len(key) > len(readIn) && key[:len(readIn)] == readIn:
		var in []ir.Workload
		for _, i := range c.inNamespace[key[len(readIn):]] {
			in = append(in, c.out.Workloads[i])
		}
		return in
	case len(key) > len(readPort) && key[:len(readPort)] == readPort:
		return maps.Clone(c.portNames[key[len(readPort):]])
	}
	return nil
}

// declaredNamespace reports whether namespace ns is declared.
func (c *compiler) declaredNamespace(ns string) bool {
	c.read(readNamespace + ns)
	_, ok := c.namespaces[ns]
	return ok
}

// declaredWorkload is the workload "namespace/name", if declared.
func (c *compiler) declaredWorkload(ref string) (*ir.Workload, bool) {
	c.read(readWorkload + ref)
	w, ok := c.workloads[ref]
	return w, ok
}

// workloadsIn are the indexes into c.out.Workloads of namespace ns's.
func (c *compiler) workloadsIn(ns string) []int {
	c.read(readIn + ns)
	return c.inNamespace[ns]
}

// portProtocols are the protocols a port name is declared with.
func (c *compiler) portProtocols(name string) map[portset.Protocol]bool {
	c.read(readPort + name)
	return c.portNames[name]
}
