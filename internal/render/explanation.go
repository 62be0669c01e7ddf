package render

import (
	"fmt"
	"io"
	"strings"

	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/explain"
	"github.com/netpolc/netpolc/internal/inventory"
)

// WriteExplanation prints an explain answer for people: the verdict, then
// each direction's isolating policies and the rules that decide it, each
// with its origin.
func WriteExplanation(w io.Writer, ex *explain.Explanation) {
	if ex.Parts != nil {
		writeParts(w, ex)
		return
	}
	v := ex.Verdict
	if ex.Port == "" {
		fmt.Fprintf(w, "%s → %s: allowed %s\n", ex.Src, ex.Dst, ex.Allowed)
		fmt.Fprintln(w, "  (give PORT/PROTO to see the rules that decide one port)")
	} else {
		verdict := "DENIED"
		if v.Allowed {
			verdict = "ALLOWED"
		}
		fmt.Fprintf(w, "%s → %s on %s: %s\n", ex.Src, ex.Dst, ex.Port, verdict)
	}
	if v.Edge != nil && v.Edge.Unknown {
		fmt.Fprintf(w, "  egress at %s: not evaluated (a controller the inventory does not hold)\n", ex.Src)
	} else {
		printDirection(w, "egress at "+ex.Src, v.Egress, ex.Port != "")
	}
	printDirection(w, "ingress at "+ex.Dst, v.Ingress, ex.Port != "")
	printEdge(w, ex)
}

func printDirection(w io.Writer, title string, d enforcer.DirectionVerdict, rules bool) {
	switch {
	case d.Layer == enforcer.LayerNone && strings.Contains(title, " at "+enforcer.FQDNPrefix):
		fmt.Fprintf(w, "  %s: not evaluated (a DNS name: only egress rules name it; CIDR rules never match it)\n", title)
		return
	case d.Layer == enforcer.LayerNone:
		fmt.Fprintf(w, "  %s: not evaluated (an address outside the known pods)\n", title)
		return
	case !rules && len(d.Isolating) == 0:
		fmt.Fprintf(w, "  %s: not isolated (no policy selects it in this direction)\n", title)
	case !rules:
		fmt.Fprintf(w, "  %s: isolated\n", title)
	default:
		state := "denied"
		if d.Allowed {
			state = "allowed"
		}
		fmt.Fprintf(w, "  %s: %s (decided by the %s layer)\n", title, state, d.Layer)
	}
	listRefs(w, "isolated by", d.Isolating, func(p enforcer.PolicyRef) string { return policyLine(p, "", p.Origin) })
	if !rules {
		return
	}
	ruleLine := func(r enforcer.RuleRef) string {
		rule := fmt.Sprintf(" %s[%d]", strings.ToLower(string(r.Direction)), r.Index)
		switch r.Policy.Kind {
		case enforcer.KindIntent:
			rule = "" // IR rule numbers mean nothing to a reader; the origin says it all
		case enforcer.KindPlatformIntent:
			// The tier and priority say where it was decided; the
			// rule's origin says which rule.
			rule = fmt.Sprintf(" (%s tier, priority %d, %s)", r.Policy.Layer, r.Policy.Priority, strings.ToLower(string(r.Action)))
		}
		if r.Name != "" {
			rule += fmt.Sprintf(" %q", r.Name)
		}
		return policyLine(r.Policy, rule, r.Origin)
	}
	listRefs(w, "allowed by", d.Allowing, ruleLine)
	listRefs(w, "denied by", d.Denying, ruleLine)
	listRefs(w, "passed by", d.Passing, ruleLine)
	if !d.Allowed && len(d.Denying) == 0 && len(d.Isolating) > 0 {
		fmt.Fprintln(w, "    no rule of these policies allows it")
	}
}

func listRefs[T any](w io.Writer, title string, items []T, line func(T) string) {
	if len(items) == 0 {
		return
	}
	fmt.Fprintf(w, "    %s:\n", title)
	for _, it := range items {
		fmt.Fprintf(w, "      %s\n", line(it))
	}
}

// policyLine renders "Kind ns/name rule (file:line) ← origin", leaving out
// the source when the origin already names the same place.
func policyLine(p enforcer.PolicyRef, rule, origin string) string {
	name := p.Name
	if p.Namespace != "" {
		name = p.Namespace + "/" + p.Name
	}
	s := p.Kind + " " + name + rule
	src := p.Source.String()
	if p.Source.File != "" && !strings.HasPrefix(origin, src) {
		s += " (" + src + ")"
	}
	if origin != "" {
		s += "  ← " + origin
	}
	return s
}

// writeParts prints an explanation through a Service: the overall answer,
// then each connection it stands for.
func writeParts(w io.Writer, ex *explain.Explanation) {
	port := ""
	if ex.Port != "" {
		port = " on " + ex.Port
	}
	fmt.Fprintf(w, "%s → %s%s: %s (%d connection(s) through the Service)\n", ex.Src, ex.Dst, port, strings.ToUpper(ex.State()), len(ex.Parts))
	for _, p := range ex.Parts {
		if p.Via != "" {
			fmt.Fprintf(w, "[%s]\n", p.Via)
		}
		WriteExplanation(w, p)
	}
}

// printEdge adds what a verdict from an ingress controller says: the
// routes that lead to the destination, and how an unknown controller is
// matched.
func printEdge(w io.Writer, ex *explain.Explanation) {
	v := ex.Verdict
	if v == nil || v.Edge == nil {
		return
	}
	if ex.Port != "" {
		if len(v.Edge.Routes) == 0 {
			fmt.Fprintf(w, "  routes: none of this controller leads to %s on %s\n", ex.Dst, ex.Port)
		} else {
			fmt.Fprintln(w, "  routed by:")
		}
		for _, r := range v.Edge.Routes {
			fmt.Fprintf(w, "      %s (%s) → %s port %s\n", r.Via, r.Source, r.Service, r.Port)
		}
	}
	if v.Edge.Unknown {
		fmt.Fprintf(w, "  note: %s is a controller the inventory does not hold: only rules allowing every source count for it, "+
			"and admin deny or pass rules that might match it deny (name it: --ingress-controller KEY=NAMESPACE/NAME)\n", inventory.UnknownController)
	}
}
