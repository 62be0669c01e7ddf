package ir

import (
	"net/netip"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/portset"
)

// The checks the intents make of their own connectivity: guardrails (rules
// that must hold whatever the policies say) and expectations (single
// assertions). They are part of the IR so that everything compiled from
// the intents travels together; the lint package checks them against the
// evaluation model.

// GuardrailKind names the check a guardrail makes.
type GuardrailKind string

// Guardrail kinds, as spelled in the intent language.
const (
	// NoIngressFromWorld: no external address reaches To.
	NoIngressFromWorld GuardrailKind = "noIngressFromWorld"
	// DefaultDeny: every known workload of Namespaces is isolated in
	// each of Directions.
	DefaultDeny GuardrailKind = "defaultDeny"
	// OnlyFrom: connections to To come only from From.
	OnlyFrom GuardrailKind = "onlyFrom"
	// OnlyTo: connections from From go only to To.
	OnlyTo GuardrailKind = "onlyTo"
	// DenyFlows: no connection from From to To.
	DenyFlows GuardrailKind = "deny"
)

// Guardrail is a rule about connectivity that must hold whatever the
// policies say. The lint package checks it against the evaluation model.
type Guardrail struct {
	// Name is the guardrail's key in `guardrails`.
	Name   string
	Kind   GuardrailKind
	Reason string
	// From and To select the two ends (To only for noIngressFromWorld,
	// whose From is the world).
	From, To []EndpointPattern
	// Ports restricts the check to these ports (nil: every port). Named
	// ports resolve on the destination.
	Ports []Port
	// Namespaces are the namespaces a defaultDeny checks (nil: every
	// declared namespace but Except); Directions its directions.
	Namespaces, Except []string
	Directions         []Direction
	Origin             Origin
}

// Pos is the guardrail's position for diagnostics.
func (g Guardrail) Pos() diag.Pos { return g.Origin.Pos }

// EndpointPattern picks endpoints of the evaluation model. Exactly one
// group is set: Any; World; CIDR; FQDN; Workload; or Namespace/NamespaceSelector
// and/or Pods (AND).
type EndpointPattern struct {
	// Text is the pattern as written, for messages.
	Text string
	// Any matches every workload and address.
	Any bool
	// World matches every address outside the known pods.
	World bool
	// CIDR matches addresses outside the known pods in this block (never
	// a DNS name: what it resolves to is unknown).
	CIDR netip.Prefix
	// FQDN is a DNS name or "*." pattern: it matches the DNS-name
	// endpoints ("fqdn:NAME") it covers. World and Any match them too.
	FQDN string
	// Workload is "namespace/name".
	Workload string
	// Namespace is a namespace name; NamespaceSelector selects namespaces
	// by labels. Pods selects pods by labels (nil: every pod).
	Namespace         string
	NamespaceSelector *metav1.LabelSelector
	Pods              *metav1.LabelSelector
}

// Expectation is a connectivity assertion from `expect`: From may (or may
// not, per Allowed) open a connection to To on Port.
type Expectation struct {
	// Name is the expectation's key: what it says, in words.
	Name     string
	From, To string // "namespace/workload", an IP, "ip:FIRST-LAST" or "fqdn:NAME"
	Port     string // "TCP/5432"
	Allowed  bool
	Origin   Origin
}

// Pos is the expectation's position for diagnostics.
func (e Expectation) Pos() diag.Pos { return e.Origin.Pos }

// Closing is a `closes` entry: observed connections from From to To (on
// Ports) that a change means to block, so that the gate on observed
// traffic (verify --flows) accepts blocking them.
type Closing struct {
	// Name is the entry's key: why the connections close, in words.
	Name     string
	From, To string // "namespace/workload", "ip:ADDRESS", "ip:CIDR" or (to) "fqdn:NAME"
	// Port is the port as written ("TCP/5432"; "" for every port), Ports
	// the set it stands for.
	Port   string
	Ports  portset.Set
	Origin Origin
}

// Pos is the entry's position for diagnostics.
func (c Closing) Pos() diag.Pos { return c.Origin.Pos }

// IsExternal reports whether the pattern only matches external addresses.
func (p EndpointPattern) IsExternal() bool { return p.World || p.CIDR.IsValid() || p.FQDN != "" }
