package compiler

import (
	"net/netip"
	"sort"
	"strings"

	"cuelang.org/go/cue"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/ir"
)

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

// guardrailKinds lists the kinds in the order messages name them.
var guardrailKinds = []GuardrailKind{NoIngressFromWorld, DefaultDeny, OnlyFrom, OnlyTo, DenyFlows}

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
	Ports []ir.Port
	// Namespaces are the namespaces a defaultDeny checks (nil: every
	// declared namespace but Except); Directions its directions.
	Namespaces, Except []string
	Directions         []ir.Direction
	Origin             ir.Origin
}

// Pos is the guardrail's position for diagnostics.
func (g Guardrail) Pos() diag.Pos { return g.Origin.Pos }

// EndpointPattern picks endpoints of the evaluation model. Exactly one
// group is set: Any; World; CIDR; Workload; or Namespace/NamespaceSelector
// and/or Pods (AND).
type EndpointPattern struct {
	// Text is the pattern as written, for messages.
	Text string
	// Any matches every workload and address.
	Any bool
	// World matches every address outside the known pods.
	World bool
	// CIDR matches addresses outside the known pods in this block.
	CIDR netip.Prefix
	// Workload is "namespace/name".
	Workload string
	// Namespace is a namespace name; NamespaceSelector selects namespaces
	// by labels. Pods selects pods by labels (nil: every pod).
	Namespace         string
	NamespaceSelector *metav1.LabelSelector
	Pods              *metav1.LabelSelector
}

// IsExternal reports whether the pattern only matches external addresses.
func (p EndpointPattern) IsExternal() bool { return p.World || p.CIDR.IsValid() }

// guardrails reads the `guardrails` map.
func (c *compiler) guardrails(v cue.Value) []Guardrail {
	var out []Guardrail
	fields(v, func(name string, gv cue.Value) {
		if g, ok := c.guardrail(name, gv); ok {
			out = append(out, g)
		}
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// guardrail decodes one guardrail: exactly one kind must be set.
func (c *compiler) guardrail(name string, v cue.Value) (Guardrail, bool) {
	g := Guardrail{Name: name, Origin: c.origin(v, ir.Origin{})}
	g.Reason, _ = str(v, "reason")
	var set []string
	for _, k := range guardrailKinds {
		if get(v, string(k)).Exists() {
			set = append(set, string(k))
			g.Kind = k
		}
	}
	if len(set) != 1 {
		names := make([]string, len(guardrailKinds))
		for i, k := range guardrailKinds {
			names[i] = string(k)
		}
		what := "sets none"
		if len(set) > 1 {
			what = "sets " + strings.Join(set, " and ")
		}
		c.errorf(v, "set exactly one of "+strings.Join(names, ", ")+"; write two guardrails to check two things",
			"guardrail %q %s", name, what)
		return g, false
	}
	body := get(v, string(g.Kind))
	ok := true
	switch g.Kind {
	case NoIngressFromWorld:
		g.From = []EndpointPattern{{Text: "world", World: true}}
		g.To, ok = c.endpoints(body)
	case DefaultDeny:
		ok = c.defaultDenyGuardrail(&g, body)
	default:
		var okFrom, okTo, okPorts bool
		g.From, okFrom = c.endpoints(get(body, "from"))
		g.To, okTo = c.endpoints(get(body, "to"))
		g.Ports, okPorts = c.guardPorts(get(body, "ports"))
		ok = okFrom && okTo && okPorts
	}
	return g, ok
}

// defaultDenyGuardrail reads a defaultDeny body.
func (c *compiler) defaultDenyGuardrail(g *Guardrail, body cue.Value) bool {
	ok := true
	for _, f := range []struct {
		name string
		dst  *[]string
	}{{"namespaces", &g.Namespaces}, {"except", &g.Except}} {
		c.elems(get(body, f.name), func(_ int, nv cue.Value) {
			ns, _ := nv.String()
			*f.dst = append(*f.dst, ns)
		})
	}
	if len(g.Namespaces) > 0 && len(g.Except) > 0 {
		c.errorf(get(body, "except"), "list the namespaces to check, or omit namespaces and list the exceptions", "except only applies when namespaces is omitted")
		ok = false
	}
	dir, _ := str(body, "direction")
	switch dir {
	case "ingress":
		g.Directions = []ir.Direction{ir.Ingress}
	case "egress":
		g.Directions = []ir.Direction{ir.Egress}
	default:
		g.Directions = []ir.Direction{ir.Ingress, ir.Egress}
	}
	return ok
}

// guardPorts reads an optional ports list; an empty list is an error as
// in rules (it reads as "no port", which checks nothing).
func (c *compiler) guardPorts(v cue.Value) ([]ir.Port, bool) {
	if !v.Exists() {
		return nil, true
	}
	if n, _ := v.Len().Int64(); n == 0 {
		c.errorf(v, "omit `ports` to check every port", "an empty `ports` list checks nothing")
		return nil, false
	}
	return c.ports(v, ir.Origin{})
}

// endpoints reads #Endpoints: one pattern or a list of them.
func (c *compiler) endpoints(v cue.Value) ([]EndpointPattern, bool) {
	v, _ = v.Default()
	if v.IncompleteKind() != cue.ListKind {
		p, ok := c.endpointPattern(v)
		return []EndpointPattern{p}, ok
	}
	var out []EndpointPattern
	ok := true
	c.elems(v, func(_ int, ev cue.Value) {
		p, pok := c.endpointPattern(ev)
		ok = ok && pok
		out = append(out, p)
	})
	if len(out) == 0 && ok {
		c.errorf(v, "name at least one endpoint, e.g. \"shop/app\", \"shop/*\" or \"world\"", "an empty endpoint list matches nothing")
		ok = false
	}
	return out, ok
}

const endpointHint = `write "namespace/name", "namespace/*", "world", "*", a CIDR such as "10.0.0.0/8", or {namespace: ..., podSelector: {...}}`

// endpointPattern reads one pattern, string or struct.
func (c *compiler) endpointPattern(v cue.Value) (EndpointPattern, bool) {
	v, _ = v.Default()
	if s, err := v.String(); err == nil {
		return c.endpointString(s, v)
	}
	var set []string
	for _, f := range []string{"namespace", "namespaceSelector", "podSelector", "workload", "cidr", "world"} {
		if get(v, f).Exists() {
			set = append(set, f)
		}
	}
	key := strings.Join(set, "+")
	switch key {
	case "workload":
		s, _ := str(v, "workload")
		return c.workloadPattern(s, get(v, "workload"))
	case "cidr":
		s, _ := str(v, "cidr")
		return c.endpointString(s, get(v, "cidr"))
	case "world":
		return EndpointPattern{Text: "world", World: true}, true
	case "namespace", "namespace+podSelector", "namespaceSelector", "namespaceSelector+podSelector", "podSelector":
		return c.selectorPattern(v)
	case "":
		c.errorf(v, endpointHint, "empty endpoint pattern")
	default:
		c.errorf(v, "only podSelector combines with namespace or namespaceSelector (AND); use a list for OR", "an endpoint pattern sets %s", strings.Join(set, " and "))
	}
	return EndpointPattern{}, false
}

// selectorPattern reads {namespace | namespaceSelector, podSelector}.
func (c *compiler) selectorPattern(v cue.Value) (EndpointPattern, bool) {
	p := EndpointPattern{}
	ok := true
	var parts []string
	if ns, has := str(v, "namespace"); has {
		p.Namespace = ns
		parts = append(parts, "namespace "+ns)
	}
	if sv := get(v, "namespaceSelector"); sv.Exists() {
		sel, sok := c.selector(sv, ir.Origin{})
		p.NamespaceSelector, ok = sel, ok && sok
		parts = append(parts, "namespaces "+metav1.FormatLabelSelector(sel))
	}
	if sv := get(v, "podSelector"); sv.Exists() {
		sel, sok := c.selector(sv, ir.Origin{})
		p.Pods, ok = sel, ok && sok
		parts = append(parts, "pods "+metav1.FormatLabelSelector(sel))
	}
	if p.Namespace == "" && p.NamespaceSelector == nil {
		// A bare podSelector matches in every namespace: a guardrail has
		// no namespace of its own to default to.
		p.NamespaceSelector = &metav1.LabelSelector{}
	}
	p.Text = strings.Join(parts, " and ")
	return p, ok
}

// endpointString reads the string forms.
func (c *compiler) endpointString(s string, v cue.Value) (EndpointPattern, bool) {
	switch {
	case s == "*":
		return EndpointPattern{Text: s, Any: true}, true
	case s == "world":
		return EndpointPattern{Text: s, World: true}, true
	case strings.Count(s, "/") == 1 && strings.HasSuffix(s, "/*"):
		ns := strings.TrimSuffix(s, "/*")
		if len(validation.IsDNS1123Label(ns)) > 0 {
			c.errorf(v, endpointHint, "pattern %q: %q is not a namespace name", s, ns)
			return EndpointPattern{}, false
		}
		return EndpointPattern{Text: s, Namespace: ns}, true
	}
	if _, err := netip.ParsePrefix(s); err == nil || strings.ContainsAny(s, ".:") {
		p, ok := c.prefix(s, v, ir.Origin{})
		return EndpointPattern{Text: s, CIDR: p}, ok
	}
	return c.workloadPattern(s, v)
}

// workloadPattern reads "namespace/name". Neither the workload nor its
// namespace need be declared (they may come from manifests): lint reports a
// pattern that matches nothing the model knows.
func (c *compiler) workloadPattern(s string, v cue.Value) (EndpointPattern, bool) {
	ns, name, ok := strings.Cut(s, "/")
	if !ok || len(validation.IsDNS1123Label(ns)) > 0 || name == "" || strings.Contains(name, "/") {
		c.errorf(v, endpointHint, "invalid endpoint pattern %q", s)
		return EndpointPattern{}, false
	}
	return EndpointPattern{Text: s, Workload: s}, true
}
