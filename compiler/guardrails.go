package compiler

import (
	"net/netip"
	"sort"
	"strings"

	"cuelang.org/go/cue"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/netpolc/netpolc/internal/ir"
)

// guardrailKinds lists the kinds in the order messages name them.
var guardrailKinds = []ir.GuardrailKind{ir.NoIngressFromWorld, ir.DefaultDeny, ir.OnlyFrom, ir.OnlyTo, ir.DenyFlows}

// guardrails reads the `guardrails` map.
func (c *compiler) guardrails(v *node) []ir.Guardrail {
	var out []ir.Guardrail
	fields(v, func(name string, gv *node) {
		if g, ok := c.guardrail(name, gv); ok {
			out = append(out, g)
		}
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// guardrail decodes one guardrail: exactly one kind must be set.
func (c *compiler) guardrail(name string, v *node) (ir.Guardrail, bool) {
	g := ir.Guardrail{Name: name, Origin: c.origin(v, ir.Origin{})}
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
	case ir.NoIngressFromWorld:
		g.From = []ir.EndpointPattern{{Text: "world", World: true}}
		g.To, ok = c.endpoints(body)
	case ir.DefaultDeny:
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
func (c *compiler) defaultDenyGuardrail(g *ir.Guardrail, body *node) bool {
	ok := true
	for _, f := range []struct {
		name string
		dst  *[]string
	}{{"namespaces", &g.Namespaces}, {"except", &g.Except}} {
		c.elems(get(body, f.name), func(_ int, nv *node) {
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
func (c *compiler) guardPorts(v *node) ([]ir.Port, bool) {
	if !v.Exists() {
		return nil, true
	}
	if n := v.length(); n == 0 {
		c.errorf(v, "omit `ports` to check every port", "an empty `ports` list checks nothing")
		return nil, false
	}
	return c.ports(v, ir.Origin{})
}

// endpoints reads #Endpoints: one pattern or a list of them.
func (c *compiler) endpoints(v *node) ([]ir.EndpointPattern, bool) {
	v, _ = v.Default()
	if v.IncompleteKind() != cue.ListKind {
		p, ok := c.endpointPattern(v)
		return []ir.EndpointPattern{p}, ok
	}
	var out []ir.EndpointPattern
	ok := true
	c.elems(v, func(_ int, ev *node) {
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

const endpointHint = `write "namespace/name", "namespace/*", "world", "*", a CIDR such as "10.0.0.0/8", a DNS name such as "fqdn:api.example.com", or {namespace: ..., podSelector: {...}}`

// endpointPattern reads one pattern, string or struct.
func (c *compiler) endpointPattern(v *node) (ir.EndpointPattern, bool) {
	v, _ = v.Default()
	if s, err := v.String(); err == nil {
		return c.endpointString(s, v)
	}
	var set []string
	for _, f := range []string{"namespace", "namespaceSelector", "podSelector", "workload", "cidr", "world", "fqdn"} {
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
		return ir.EndpointPattern{Text: "world", World: true}, true
	case "fqdn":
		s, _ := str(v, "fqdn")
		return c.fqdnPattern(s, get(v, "fqdn"))
	case "namespace", "namespace+podSelector", "namespaceSelector", "namespaceSelector+podSelector", "podSelector":
		return c.selectorPattern(v)
	case "":
		c.errorf(v, endpointHint, "empty endpoint pattern")
	default:
		c.errorf(v, "only podSelector combines with namespace or namespaceSelector (AND); use a list for OR", "an endpoint pattern sets %s", strings.Join(set, " and "))
	}
	return ir.EndpointPattern{}, false
}

// selectorPattern reads {namespace | namespaceSelector, podSelector}.
func (c *compiler) selectorPattern(v *node) (ir.EndpointPattern, bool) {
	p := ir.EndpointPattern{}
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
func (c *compiler) endpointString(s string, v *node) (ir.EndpointPattern, bool) {
	switch {
	case s == "*":
		return ir.EndpointPattern{Text: s, Any: true}, true
	case s == "world":
		return ir.EndpointPattern{Text: s, World: true}, true
	case strings.HasPrefix(s, "fqdn:"):
		return c.fqdnPattern(strings.TrimPrefix(s, "fqdn:"), v)
	case strings.Count(s, "/") == 1 && strings.HasSuffix(s, "/*"):
		ns := strings.TrimSuffix(s, "/*")
		if len(validation.IsDNS1123Label(ns)) > 0 {
			c.errorf(v, endpointHint, "pattern %q: %q is not a namespace name", s, ns)
			return ir.EndpointPattern{}, false
		}
		return ir.EndpointPattern{Text: s, Namespace: ns}, true
	}
	if _, err := netip.ParsePrefix(s); err == nil || strings.ContainsAny(s, ".:") {
		p, ok := c.prefix(s, v, ir.Origin{})
		return ir.EndpointPattern{Text: s, CIDR: p}, ok
	}
	return c.workloadPattern(s, v)
}

// workloadPattern reads "namespace/name". Neither the workload nor its
// namespace need be declared (they may come from manifests): lint reports a
// pattern that matches nothing the model knows.
func (c *compiler) workloadPattern(s string, v *node) (ir.EndpointPattern, bool) {
	ns, name, ok := strings.Cut(s, "/")
	if !ok || len(validation.IsDNS1123Label(ns)) > 0 || name == "" || strings.Contains(name, "/") {
		c.errorf(v, endpointHint, "invalid endpoint pattern %q", s)
		return ir.EndpointPattern{}, false
	}
	return ir.EndpointPattern{Text: s, Workload: s}, true
}

// fqdnPattern reads a DNS name or "*." pattern (one label, as in fqdn
// peers): it matches the DNS-name endpoints it covers.
func (c *compiler) fqdnPattern(name string, v *node) (ir.EndpointPattern, bool) {
	if errs := validation.IsDNS1123Subdomain(strings.TrimPrefix(name, "*.")); len(errs) > 0 {
		c.errorf(v, "write a DNS name such as fqdn:api.example.com or fqdn:*.example.com", "invalid fqdn %q in an endpoint pattern", name)
		return ir.EndpointPattern{}, false
	}
	return ir.EndpointPattern{Text: "fqdn:" + name, FQDN: name}, true
}
