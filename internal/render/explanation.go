package render

import (
	"fmt"
	"io"
	"strings"

	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/explain"
)

// WriteExplanation prints an explain answer for people: the verdict, then
// each direction's isolating policies and the rules that decide it, each
// with its origin.
func WriteExplanation(w io.Writer, ex *explain.Explanation) {
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
	printDirection(w, "egress at "+ex.Src, v.Egress, ex.Port != "")
	printDirection(w, "ingress at "+ex.Dst, v.Ingress, ex.Port != "")
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
		if r.Policy.Kind == enforcer.KindIntent {
			rule = "" // IR rule numbers mean nothing to a reader; the origin says it all
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
