package render

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/flows"
	"github.com/netpolc/netpolc/internal/portset"
)

// WriteReplay prints a replay of observed traffic in format text, md or
// json: the one-line total, then every blocked connection grouped by
// endpoint pair with the rule that denies it, then what was not
// evaluated and why.
func WriteReplay(w io.Writer, r *flows.Report, format string) error {
	switch format {
	case "json":
		return replayJSON(w, r)
	case "md":
		replayMarkdown(w, r)
	default:
		replayText(w, r)
	}
	return nil
}

// ReplayTotal is the one-line total ("12,403 flows, 11,980 allowed, 423
// would be blocked in 7 pairs").
func ReplayTotal(r *flows.Report) string {
	s := fmt.Sprintf("%s flows, %s allowed, %s would be blocked in %s pair(s)",
		thousands(r.Flows), thousands(r.Allowed), thousands(r.Blocked), thousands(int64(len(r.Pairs))))
	var extra []string
	if r.Unresolved > 0 {
		extra = append(extra, thousands(r.Unresolved)+" not evaluated (below)")
	}
	if r.Replies > 0 {
		extra = append(extra, thousands(r.Replies)+" replies not counted (an allowed connection carries them)")
	}
	if len(extra) > 0 {
		s += "; " + strings.Join(extra, "; ")
	}
	return s
}

func replayText(w io.Writer, r *flows.Report) {
	fmt.Fprintln(w, ReplayTotal(r))
	for _, p := range r.Pairs {
		fmt.Fprintf(w, "%s → %s: %s flow(s) would be blocked\n", p.Src, p.Dst, thousands(p.Count))
		for _, b := range p.Conns {
			fmt.Fprintf(w, "  %s%s ×%s: %s\n", connName(p, b.Key), portOf(b.Key), thousands(b.Count), strings.Join(blockedWhy(b), "; "))
		}
	}
	writeMisses(w, r, "")
}

func replayMarkdown(w io.Writer, r *flows.Report) {
	fmt.Fprintf(w, "**%s**\n\n", mdEscape(ReplayTotal(r)))
	if len(r.Pairs) > 0 {
		fmt.Fprintln(w, "| source | destination | port | flows | denied by |")
		fmt.Fprintln(w, "| --- | --- | --- | ---: | --- |")
		for _, p := range r.Pairs {
			for _, b := range p.Conns {
				fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", mdEscape(b.Key.Src), mdEscape(b.Key.Dst), portOf(b.Key),
					thousands(b.Count), mdEscape(strings.Join(blockedWhy(b), "; ")))
			}
		}
		fmt.Fprintln(w)
	}
	writeMisses(w, r, "- ")
}

// writeMisses lists what was not evaluated and what was skipped.
func writeMisses(w io.Writer, r *flows.Report, bullet string) {
	if len(r.Misses) > 0 {
		fmt.Fprintln(w, "not evaluated:")
		for _, why := range slices.Sorted(maps.Keys(r.Misses)) {
			m := r.Misses[why]
			at := ""
			if m.First.File != "" {
				at = " (first at " + m.First.String() + ")"
			}
			fmt.Fprintf(w, "  %s%s flow(s): %s%s\n", bullet, thousands(m.Count), why, at)
		}
	}
	if len(r.Skipped) > 0 {
		fmt.Fprintln(w, "skipped (no connection netpolc evaluates):")
		for _, why := range slices.Sorted(maps.Keys(r.Skipped)) {
			fmt.Fprintf(w, "  %s%s record(s): %s\n", bullet, thousands(r.Skipped[why]), why)
		}
	}
}

// blockedWhy says, per direction that denies, what denies it.
func blockedWhy(b flows.Blocked) []string {
	var out []string
	for _, d := range []struct {
		name string
		v    enforcer.DirectionVerdict
		at   string
	}{{"egress", b.Verdict.Egress, b.Key.Src}, {"ingress", b.Verdict.Ingress, b.Key.Dst}} {
		if d.v.Allowed || d.v.Layer == enforcer.LayerNone {
			continue
		}
		s := fmt.Sprintf("%s at %s denied (%s layer)", d.name, d.at, d.v.Layer)
		switch {
		case len(d.v.Denying) > 0:
			r := d.v.Denying[0]
			s += " by " + policyLine(r.Policy, "", r.Origin)
		case len(d.v.Isolating) > 0:
			var by []string
			for _, p := range d.v.Isolating {
				by = append(by, policyLine(p, "", p.Origin))
			}
			s += ": isolated by " + strings.Join(by, ", ") + ", no rule allows it"
		}
		out = append(out, s)
	}
	if b.Verdict.Edge != nil && len(out) == 0 {
		out = append(out, "no route leads there from the ingress controller")
	}
	return out
}

// connName names a connection's ends where the pair groups several
// (addresses of one external range); "" where they are the pair's.
func connName(p flows.Pair, k flows.Key) string {
	if k.Src == p.Src && k.Dst == p.Dst {
		return ""
	}
	return k.Src + " → " + k.Dst + " "
}

func portOf(k flows.Key) string { return portset.Port(k.Protocol, k.Port).String() }

// replayJSON is the report as JSON: totals, blocked connections with
// their denying direction and rule origins, and the misses.
func replayJSON(w io.Writer, r *flows.Report) error {
	type conn struct {
		Src    string   `json:"src"`
		Dst    string   `json:"dst"`
		Port   string   `json:"port"`
		Flows  int64    `json:"flows"`
		Denied []string `json:"denied"`
	}
	type miss struct {
		Reason string `json:"reason"`
		Flows  int64  `json:"flows"`
		First  string `json:"first,omitempty"`
	}
	out := struct {
		Flows      int64  `json:"flows"`
		Allowed    int64  `json:"allowed"`
		Blocked    int64  `json:"blocked"`
		Unresolved int64  `json:"notEvaluated"`
		Replies    int64  `json:"replies"`
		Conns      []conn `json:"blockedConnections"`
		Misses     []miss `json:"notEvaluatedReasons"`
	}{Flows: r.Flows, Allowed: r.Allowed, Blocked: r.Blocked, Unresolved: r.Unresolved, Replies: r.Replies, Conns: []conn{}, Misses: []miss{}}
	for _, p := range r.Pairs {
		for _, b := range p.Conns {
			out.Conns = append(out.Conns, conn{b.Key.Src, b.Key.Dst, portOf(b.Key), b.Count, blockedWhy(b)})
		}
	}
	for _, why := range slices.Sorted(maps.Keys(r.Misses)) {
		m := miss{Reason: why, Flows: r.Misses[why].Count}
		if r.Misses[why].First.File != "" {
			m.First = r.Misses[why].First.String()
		}
		out.Misses = append(out.Misses, m)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// thousands renders n with comma separators (12,403).
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
