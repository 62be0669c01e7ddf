package enforcer

import (
	"fmt"

	"github.com/netpolc/netpolc/internal/diag"

	"github.com/netpolc/netpolc/internal/ir"
)

// Layer is an evaluation tier: where a policy sits, or which tier decided a
// verdict.
type Layer string

// Layers, in evaluation order, plus the two non-policy outcomes.
const (
	LayerAdmin         Layer = "admin"
	LayerNetworkPolicy Layer = "netpol"
	LayerBaseline      Layer = "baseline"
	LayerDefault       Layer = "default" // no tier decided: allowed
	LayerNone          Layer = "none"    // not evaluated: this end is an external address
)

// Kinds of policy a PolicyRef can name.
const (
	KindNetworkPolicy              = "NetworkPolicy"
	KindClusterNetworkPolicy       = "ClusterNetworkPolicy"
	KindAdminNetworkPolicy         = "AdminNetworkPolicy"
	KindBaselineAdminNetworkPolicy = "BaselineAdminNetworkPolicy"
	KindIntent                     = "Intent" // an IR isolation or rule (FromIR)
	// KindPlatformIntent is a cluster-wide intent of the platform layer
	// (an ir.ClusterPolicy, FromIR), in the admin or baseline layer.
	KindPlatformIntent = "PlatformIntent"
)

// OriginsAnnotation is the annotation netpolc writes on generated objects to
// record the intent lines that produced them. The model copies its value
// into PolicyRef.Origin.
const OriginsAnnotation = "netpolc.dev/origins"

// PolicyRef identifies a policy in explanations.
type PolicyRef struct {
	Kind      string
	Namespace string // empty for cluster-scoped kinds
	Name      string
	Layer     Layer
	Priority  int32 // admin and baseline tiers only
	Source    diag.Pos
	Origin    string // the intents that produced it, when known
}

// String renders "Kind ns/name (source)".
func (r PolicyRef) String() string {
	name := r.Name
	if r.Namespace != "" {
		name = r.Namespace + "/" + r.Name
	}
	s := r.Kind + " " + name
	if r.Source.File != "" {
		s += " (" + r.Source.String() + ")"
	}
	return s
}

// RuleRef identifies one rule of a policy in explanations.
type RuleRef struct {
	Policy    PolicyRef
	Direction ir.Direction
	Index     int    // position among the policy's rules of this direction
	Name      string // the rule's name, for admin kinds
	Action    ir.Action
	Origin    string // the rule's own origin when known (FromIR), else the policy's
}

// String renders "Kind ns/name ingress[2] "name"".
func (r RuleRef) String() string {
	s := fmt.Sprintf("%s %s[%d]", r.Policy, lowerDir(r.Direction), r.Index)
	if r.Name != "" {
		s += fmt.Sprintf(" %q", r.Name)
	}
	return s
}

func lowerDir(d ir.Direction) string {
	if d == ir.Egress {
		return "egress"
	}
	return "ingress"
}

// dir indexes per-direction arrays.
type dir uint8

const (
	dIngress dir = iota
	dEgress
)

func (d dir) ir() ir.Direction {
	if d == dEgress {
		return ir.Egress
	}
	return ir.Ingress
}

// Policies is the normalised policy set the model evaluates: NetworkPolicy,
// the admin kinds and IR policies all become the same small form. Build it
// with the From… adapters and combine results with Join. The zero value is
// an empty set.
type Policies struct {
	list []*policy
}

// Join concatenates policy sets.
func Join(sets ...Policies) Policies {
	var out Policies
	for _, s := range sets {
		out.list = append(out.list, s.list...)
	}
	return out
}

// Len is the number of normalised policies.
func (p Policies) Len() int { return len(p.list) }

// policy is one normalised policy.
type policy struct {
	ref      PolicyRef
	subject  podSelector
	isolates [2]bool // NetworkPolicy tier only
	rules    [2][]*rule
}

// rule is one normalised rule: its peers are ORed; an empty peer list
// matches nothing.
type rule struct {
	ref   RuleRef
	peers []peer
	ports portSpec
}
