package explain

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/portset"
)

// Origins names what lets src open a connection to dst on ports: the
// origin (the intent's file:line:col, or the policy and rule) of every rule
// that allows it on the first port of ports, and, for an end that no policy
// isolates, that fact. Diff and guardrail reports use it to point a
// reviewer at the line that opened a flow. The result is sorted and
// de-duplicated; it is empty when the flow is not allowed.
func Origins(m *enforcer.Model, src, dst string, ports portset.Set) []string {
	proto, port, ok := probe(ports)
	if !ok {
		return nil
	}
	v, err := m.Verdict(src, dst, proto, port)
	if err != nil || !v.Allowed {
		return nil
	}
	var out []string
	for _, d := range []struct {
		end, dir string
		v        enforcer.DirectionVerdict
	}{{src, "egress", v.Egress}, {dst, "ingress", v.Ingress}} {
		switch {
		case d.v.Layer == enforcer.LayerNone:
		case len(d.v.Allowing) > 0:
			for _, r := range d.v.Allowing {
				out = append(out, ruleOrigin(r))
			}
		case d.v.Layer == enforcer.LayerDefault:
			out = append(out, fmt.Sprintf("%s not isolated for %s%s", d.end, d.dir, declaredAt(m, d.end)))
		}
	}
	slices.SortFunc(out, compareNatural)
	return slices.Compact(out)
}

// compareNatural orders strings with their digit runs compared as numbers,
// so "a.cue:96:20" comes before "a.cue:101:17".
func compareNatural(a, b string) int {
	for a != "" && b != "" {
		da, db := digitRun(a), digitRun(b)
		if da > 0 && db > 0 {
			na, nb := strings.TrimLeft(a[:da], "0"), strings.TrimLeft(b[:db], "0")
			if c := cmp.Or(cmp.Compare(len(na), len(nb)), strings.Compare(na, nb)); c != 0 {
				return c
			}
			a, b = a[da:], b[db:]
			continue
		}
		if a[0] != b[0] {
			return cmp.Compare(a[0], b[0])
		}
		a, b = a[1:], b[1:]
	}
	return cmp.Compare(len(a), len(b))
}

// digitRun is the length of the leading run of ASCII digits.
func digitRun(s string) int {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}

// probe picks the first port of a set: the verdict on it stands for the
// set (the matrix allows the whole set for the same rules in the common
// case; a reviewer needs one line to start from, not a proof).
func probe(ports portset.Set) (portset.Protocol, int32, bool) {
	if ports.IsAll() {
		return portset.TCP, portset.MinPort, true
	}
	for _, p := range portset.Protocols {
		if rs := ports.Ranges(p); len(rs) > 0 {
			return p, int32(rs[0].First), true
		}
	}
	return 0, 0, false
}

// ruleOrigin names a rule by its intent origin when known.
func ruleOrigin(r enforcer.RuleRef) string {
	if r.Origin != "" {
		return r.Origin
	}
	return r.String()
}

// declaredAt is " (declared at file:line)" for an endpoint with a known
// source, else "".
func declaredAt(m *enforcer.Model, id string) string {
	eps := m.Endpoints()
	i := sort.Search(len(eps), func(i int) bool { return eps[i].ID() >= id })
	if i < len(eps) && eps[i].ID() == id && eps[i].Source.File != "" && !strings.HasPrefix(eps[i].Source.File, "<") {
		return " (declared at " + eps[i].Source.String() + ")"
	}
	return ""
}
