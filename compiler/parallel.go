package compiler

import (
	"errors"
	"slices"

	"github.com/netpolc/netpolc/intent"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/par"
)

// Reading the CUE values is most of a compile after evaluation, and each
// set (an owner's directory, or a part of a large package: intent.Set.Parts)
// has its own CUE context, so the sets are read on every CPU: each by a
// fork of the compiler, whose findings are joined in the order of the sets
// — the order compiling them in turn has. What one set's reading needs of
// another's is the declarations, read in a phase before the rules. Where
// the sets meet (a namespace or a cluster-wide intent written in two of
// them, the limits on policies and rules, counted over all) the join
// refuses, and the sets are compiled in turn, which reports exactly.

// errSerial says that a parallel compile must be done in turn.
var errSerial = errors.New("compile the sets in turn")

// phase runs fn for every set, forks of c in parallel joined by join, or
// c itself in turn; false when join refused. The forks are recorded and
// replayed through c.shared (runFork), by the phase's name.
func (c *compiler) phase(name string, sets []*intent.Set, parallel bool, fn func(*compiler, int), join func(*compiler, *compiler) bool) bool {
	if !parallel || len(sets) == 1 {
		for i, s := range sets {
			c.set = s
			fn(c, i)
		}
		c.set = sets[0]
		return true
	}
	forks := make([]*compiler, len(sets))
	par.For(len(sets), func(i int) {
		forks[i] = c.runFork(name, sets, i, fn)
	})
	c.reserve(forks)
	for _, f := range forks {
		if !join(c, f) {
			return false
		}
	}
	return true
}

// reserve makes room for the forks' isolations, rules and cluster-wide
// intents (their own from nil: see fork), so that joining them does not
// copy the lists again each time they outgrow their capacity (190 MB of
// copies at 20,000 workloads).
func (c *compiler) reserve(forks []*compiler) {
	var iso, rules, cluster int
	for _, f := range forks {
		iso, rules, cluster = iso+len(f.out.Isolations), rules+len(f.out.Rules), cluster+len(f.out.Cluster)
	}
	c.out.Isolations = slices.Grow(c.out.Isolations, iso)
	c.out.Rules = slices.Grow(c.out.Rules, rules)
	c.out.Cluster = slices.Grow(c.out.Cluster, cluster)
}

// fork is a compiler for one set that shares c's declarations read-only
// and collects its own output and findings. Before the declarations are
// read (none yet), each fork has its own namespaces to find duplicates in.
func (c *compiler) fork(s *intent.Set) *compiler {
	namespaces := c.namespaces
	if len(c.out.Namespaces) == 0 {
		namespaces = map[string]*ir.Namespace{}
	}
	return &compiler{
		set:         s,
		out:         &ir.Policy{DNS: c.out.DNS, PodCIDRs: c.out.PodCIDRs, Namespaces: c.out.Namespaces, Workloads: c.out.Workloads},
		workloads:   c.workloads,
		inNamespace: c.inNamespace,
		namespaces:  namespaces,
		portNames:   c.portNames,
		lim:         c.lim,

		clusterNames: map[string]ir.Origin{},
	}
}

// joinDeclarations adds a fork's namespaces and workloads; false when a
// namespace is declared in another set too (compiling in turn reports
// it, at the second).
func (c *compiler) joinDeclarations(f *compiler) bool {
	for _, ns := range f.out.Namespaces {
		if _, dup := c.namespaces[ns.Name]; dup {
			return false
		}
		c.namespaces[ns.Name] = nil // re-pointed by indexDeclarations
	}
	c.out.Namespaces = append(c.out.Namespaces, f.out.Namespaces...)
	c.out.Workloads = append(c.out.Workloads, f.out.Workloads...)
	c.diags = append(c.diags, f.diags...)
	return true
}

// joinRules adds a fork's isolations, rules and cluster-wide intents;
// false when a cluster-wide intent's name is taken or the sets together
// reach a limit.
func (c *compiler) joinRules(f *compiler) bool {
	for k, o := range f.clusterNames {
		if _, dup := c.clusterNames[k]; dup {
			return false
		}
		c.clusterNames[k] = o
	}
	c.npolicies += f.npolicies
	c.clusterRules += f.clusterRules
	c.out.Isolations = append(c.out.Isolations, f.out.Isolations...)
	c.out.Rules = append(c.out.Rules, f.out.Rules...)
	c.out.Cluster = append(c.out.Cluster, f.out.Cluster...)
	c.diags = append(c.diags, f.diags...)
	return c.npolicies <= c.lim.Policies && len(c.out.Rules)+c.clusterRules < c.lim.Rules
}
