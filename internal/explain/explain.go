package explain

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/portset"
)

// Explanation is the answer to "may SRC reach DST (on PORT)?".
type Explanation struct {
	Src, Dst string
	// Port is the queried port ("TCP/5432"), or "" for all ports.
	Port string
	// Allowed is the allowed port set (all-ports query) …
	Allowed portset.Set
	// … or the verdict on one port.
	Verdict *enforcer.Verdict
}

// Explain evaluates a connection. portSpec is "", "TCP/80", "80", "UDP/53",
// "http" or "UDP/dns" (named ports resolve on the destination).
func Explain(m *enforcer.Model, src, dst, portSpec string) (*Explanation, error) {
	ex, err := explain(m, src, dst, portSpec)
	if errors.Is(err, enforcer.ErrUnknownEndpoint) {
		err = fmt.Errorf("%w (known workloads: %s)", err, knownEndpoints(m, 8))
	}
	return ex, err
}

// knownEndpoints lists up to n endpoint names, for error messages.
func knownEndpoints(m *enforcer.Model, n int) string {
	eps := m.Endpoints()
	var names []string
	for i, ep := range eps {
		if i == n {
			names = append(names, fmt.Sprintf("… and %d more", len(eps)-n))
			break
		}
		names = append(names, ep.ID())
	}
	if len(names) == 0 {
		return "none: give workloads with --manifests or declare them in the intents"
	}
	return strings.Join(names, ", ")
}

func explain(m *enforcer.Model, src, dst, portSpec string) (*Explanation, error) {
	ex := &Explanation{Src: src, Dst: dst}
	if portSpec == "" {
		// The isolation lists do not depend on the port: evaluate one to
		// show them, and report the allowed set from the matrix.
		v, err := m.Verdict(src, dst, portset.TCP, 1)
		if err != nil {
			return nil, err
		}
		ex.Verdict = &v
		ex.Allowed = m.Matrix().Ports(src, dst)
		return ex, nil
	}
	proto, port, err := resolvePort(m, dst, portSpec)
	if err != nil {
		return nil, err
	}
	v, err := m.Verdict(src, dst, proto, port)
	if err != nil {
		return nil, err
	}
	ex.Port = portset.Port(proto, port).String()
	ex.Verdict = &v
	return ex, nil
}

// resolvePort parses a port spec, resolving a name on the destination.
func resolvePort(m *enforcer.Model, dst, spec string) (portset.Protocol, int32, error) {
	protoStr, rest, hasProto := strings.Cut(spec, "/")
	if !hasProto {
		protoStr, rest = "", spec
	}
	var protos []portset.Protocol
	if protoStr == "" {
		protos = []portset.Protocol{portset.TCP, portset.UDP, portset.SCTP}
	} else {
		p, err := portset.ParseProtocol(protoStr)
		if err != nil {
			return 0, 0, err
		}
		protos = []portset.Protocol{p}
	}
	if n, err := strconv.Atoi(rest); err == nil {
		if n < 1 || n > 65535 {
			return 0, 0, fmt.Errorf("port %d is out of range (1-65535)", n)
		}
		return protos[0], int32(n), nil
	}
	for _, p := range protos {
		if n, err := m.NamedPort(dst, rest, p); err == nil {
			return p, n, nil
		}
	}
	return 0, 0, fmt.Errorf("%s declares no port named %q", dst, rest)
}

// Print renders the explanation for people.
func (ex *Explanation) Print(w io.Writer) {
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
	list(w, "isolated by", d.Isolating, func(p enforcer.PolicyRef) string { return policyLine(p, "", p.Origin) })
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
	list(w, "allowed by", d.Allowing, ruleLine)
	list(w, "denied by", d.Denying, ruleLine)
	list(w, "passed by", d.Passing, ruleLine)
	if !d.Allowed && len(d.Denying) == 0 && len(d.Isolating) > 0 {
		fmt.Fprintln(w, "    no rule of these policies allows it")
	}
}

func list[T any](w io.Writer, title string, items []T, line func(T) string) {
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
