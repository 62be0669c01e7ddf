package gate

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/owners"
	"github.com/netpolc/netpolc/internal/target"

	"github.com/netpolc/netpolc/compiler"
)

// Settings are what a snapshot's netpolc.yaml tells the gate, with
// repository paths; Present is false when the snapshot has no such file.
type Settings struct {
	Present         bool
	Intents, Output string
	Targets         []string
	Flags           map[string]bool
	// Owners is the ownership map with repository paths (nil without).
	Owners owners.Map
	// Flows are the repository paths of observed flows the gate judges
	// every change by (netpolc.yaml flows).
	Flows []string
}

// ConfigCheck compares the gate's own configuration at the base with the
// head's, so that a change cannot switch off its own checks: a commit
// that removes or moves the output, removes a target, moves the intents,
// stops naming a flows file, turns on allow-approximate or drops a
// guardrail or expectation is
// reported, and fails unless Allow (the reviewed path,
// --allow-config-change) is set.
//
// A change to the ownership map is reported apart (Report.OwnerChanges)
// and needs its own flag, AllowOwners (--allow-owner-change): it grants
// a team namespaces, which a reviewer of the gate's settings may not
// look for.
type ConfigCheck struct {
	Base, Head  Settings
	Allow       bool
	AllowOwners bool
}

// OwnerChanges lists the changes to the ownership map from a base that
// has a netpolc.yaml (a repository without one had no owners to protect:
// the commit that adds it is reviewed as a whole).
func (c ConfigCheck) OwnerChanges() []string {
	if !c.Base.Present {
		return nil
	}
	return owners.Changes(c.Base.Owners, c.Head.Owners)
}

// configChanges lists the changes to the gate's configuration from base
// to head, in the order they are worth reading.
func configChanges(c ConfigCheck, base, head *compiler.Result) []string {
	var out []string
	b, h := c.Base, c.Head
	if b.Present && !h.Present {
		out = append(out, "netpolc.yaml is removed")
	}
	if b.Output != "" && h.Output != b.Output {
		to := "removed"
		if h.Output != "" {
			to = "moved to " + h.Output
		}
		out = append(out, fmt.Sprintf("output %s is %s: its drift would no longer be checked", b.Output, to))
	}
	if b.Intents != "" && h.Intents != b.Intents {
		out = append(out, fmt.Sprintf("intents %s moved to %s", b.Intents, cmp.Or(h.Intents, "the default")))
	}
	for _, t := range b.Targets {
		if !slices.Contains(h.Targets, t) {
			out = append(out, fmt.Sprintf("target %s is removed", t))
		}
	}
	for _, f := range b.Flows {
		if !slices.Contains(h.Flows, f) {
			out = append(out, fmt.Sprintf("flows %s is no longer named: later changes would not be judged by the traffic in it", f))
		}
	}
	if h.Flags[target.AllowApproximate] && !b.Flags[target.AllowApproximate] {
		out = append(out, target.AllowApproximate+" is turned on: targets may drop what they cannot express")
	}
	// A base with intents was built to enforce them (or was staged
	// already); a first build may start staged.
	if base != nil && h.Flags[target.Staged] && !b.Flags[target.Staged] {
		out = append(out, target.Staged+" is turned on: the output stops enforcing the intents (the staged form drops nothing)")
	}
	return append(out, droppedChecks(base, head)...)
}

// enforcementTurnsOn reports whether the base is a staged build and the
// head is not: the commit that enforces what was staged.
func (c ConfigCheck) enforcementTurnsOn() bool {
	return c.Base.Flags[target.Staged] && !c.Head.Flags[target.Staged]
}

// droppedChecks lists the guardrails and expectations the base has and
// the head does not.
func droppedChecks(base, head *compiler.Result) []string {
	if base == nil || head == nil {
		return nil
	}
	var out []string
	for _, g := range base.Policy.Guardrails {
		if !slices.ContainsFunc(head.Policy.Guardrails, func(x ir.Guardrail) bool { return x.Name == g.Name }) {
			out = append(out, fmt.Sprintf("guardrail %q is removed", g.Name))
		}
	}
	for _, e := range base.Policy.Expectations {
		if !slices.ContainsFunc(head.Policy.Expectations, func(x ir.Expectation) bool { return x.Name == e.Name }) {
			out = append(out, fmt.Sprintf("expectation %q is removed", e.Name))
		}
	}
	return out
}
