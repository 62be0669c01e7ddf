// Package lint finds intents that compile but are probably not what their
// author meant: egress isolation without DNS, selectors that match no known
// workload, rules shadowed by other rules, ipBlocks over the pod network,
// ports no destination exposes. It also checks `expect` assertions against
// the evaluation model, and the intents' guardrails (rules about
// connectivity that must always hold). Every finding points at the
// intent's position.
package lint

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/netpolc/netpolc/compiler"
	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/portset"
)

// Input is what the linter looks at.
type Input struct {
	Compiled *compiler.Result
	// Inventory is what the model was built over (the intents' workloads
	// plus the cluster DNS, or real workloads).
	Inventory inventory.Inventory
	Model     *enforcer.Model
	// Matrix is Model.Matrix() when the caller already has it (it is
	// costly at scale); nil, it is computed when a check needs it.
	Matrix *enforcer.Connectivity
}

// matrix returns the model's connectivity, computing it once.
func (in *Input) matrix() *enforcer.Connectivity {
	if in.Matrix == nil {
		in.Matrix = in.Model.Matrix()
	}
	return in.Matrix
}

// check is one lint.
type check func(in Input, out *diag.List)

// checks run in this order; each is small and tested on its own.
var checks = []check{
	egressWithoutDNS,
	subjectsMatchingNothing,
	peersMatchingNothing,
	shadowedRules,
	ipBlocksOverPods,
	portsNotExposed,
	namedPortsMissing,
}

// Run returns every finding, warnings and errors (failed expectations,
// broken guardrails).
func Run(in Input) diag.List {
	var out diag.List
	for _, c := range checks {
		c(in, &out)
	}
	out = append(out, Gate(in)...)
	out.Sort()
	return out
}

// Gate runs only the checks that can fail a commit: expect assertions and
// guardrails (the other lints only warn). It is what `netpolc verify`
// runs, so the gate stays fast at cluster scale.
func Gate(in Input) diag.List {
	var out diag.List
	expectations(in, &out)
	guardrails(in, &out)
	out.Sort()
	return out
}

// selects reports whether sel (nil: everything) matches a label set.
func selects(sel *metav1.LabelSelector, l map[string]string) bool {
	if sel == nil {
		return true
	}
	s, err := metav1.LabelSelectorAsSelector(sel)
	return err == nil && s.Matches(labels.Set(l))
}

// subjectEndpoints lists the endpoints a subject selects.
func subjectEndpoints(inv inventory.Inventory, s ir.Subject) []inventory.Endpoint {
	var out []inventory.Endpoint
	for _, ep := range inv.Endpoints {
		if ep.Namespace == s.Namespace && selects(&s.Pods, ep.Labels) {
			out = append(out, ep)
		}
	}
	return out
}

// peerEndpoints lists the endpoints a pod peer selects, seen from ns.
func peerEndpoints(inv inventory.Inventory, ns string, p ir.Peer) []inventory.Endpoint {
	var out []inventory.Endpoint
	for _, ep := range inv.Endpoints {
		inNS := ep.Namespace == ns
		if p.Namespaces != nil {
			inNS = selects(p.Namespaces, inv.Namespace(ep.Namespace).Labels)
		}
		if inNS && selects(p.Pods, ep.Labels) {
			out = append(out, ep)
		}
	}
	return out
}

func isPodPeer(p ir.Peer) bool {
	return p.Kind == ir.PeerPods || p.Kind == ir.PeerWorkload || p.Kind == ir.PeerDNS
}

// egressWithoutDNS: a workload isolated for egress that cannot reach the
// cluster DNS will fail every name lookup.
func egressWithoutDNS(in Input, out *diag.List) {
	p := in.Compiled.Policy
	dns := peerEndpoints(in.Inventory, "", p.DNS)
	if len(dns) == 0 {
		return
	}
	seen := map[string]bool{}
	for _, iso := range p.Isolations {
		if iso.Direction != ir.Egress {
			continue
		}
		for _, ep := range subjectEndpoints(in.Inventory, iso.Subject) {
			if seen[ep.ID()] {
				continue
			}
			seen[ep.ID()] = true
			v, err := in.Model.Verdict(ep.ID(), dns[0].ID(), portset.UDP, 53)
			if err == nil && !v.Allowed {
				out.Warn(iso.Origin.Pos, "", fmt.Sprintf("allow it with templates.#AllowDNS & {namespace: %q}", ep.Namespace),
					"%s is isolated for egress but cannot reach the cluster DNS (%s UDP/53): name lookups will fail", ep.ID(), dns[0].ID())
			}
		}
	}
}

// subjectsMatchingNothing: a policy whose pods match no known workload.
func subjectsMatchingNothing(in Input, out *diag.List) {
	seen := map[string]bool{}
	report := func(s ir.Subject, o ir.Origin) {
		key := s.Namespace + "/" + s.Name + o.String()
		if seen[key] || len(subjectEndpoints(in.Inventory, s)) > 0 {
			return
		}
		seen[key] = true
		out.Warn(o.Pos, "", "check the selector against the workloads' labels",
			"the policy on %s/%s selects no known workload", s.Namespace, s.Name)
	}
	for _, iso := range in.Compiled.Policy.Isolations {
		report(iso.Subject, iso.Origin)
	}
}

// peersMatchingNothing: a pod peer that selects no known workload.
func peersMatchingNothing(in Input, out *diag.List) {
	for _, r := range in.Compiled.Policy.Rules {
		if !isPodPeer(r.Peer) || len(peerEndpoints(in.Inventory, r.Subject.Namespace, r.Peer)) > 0 {
			continue
		}
		out.Warn(r.Origin.Pos, "", "declare the workloads it should match under `namespaces`, or fix the selector",
			"%s peer of %s/%s selects no known workload", describePeer(r.Peer), r.Subject.Namespace, r.Subject.Name)
	}
}

func describePeer(p ir.Peer) string {
	if p.Ref != "" {
		return string(p.Kind) + " " + p.Ref
	}
	var nsPart, podPart string
	if p.Namespaces != nil {
		nsPart = "namespaces " + metav1.FormatLabelSelector(p.Namespaces)
	}
	if p.Pods != nil {
		podPart = "pods " + metav1.FormatLabelSelector(p.Pods)
	}
	switch {
	case nsPart != "" && podPart != "":
		return nsPart + " and " + podPart
	case nsPart != "":
		return nsPart
	}
	return podPart
}
