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
	BlockedText(w, r.Pairs, "would be blocked", "", 0)
	WriteMisses(w, r.Misses, r.Skipped, "", "")
}

func replayMarkdown(w io.Writer, r *flows.Report) {
	fmt.Fprintf(w, "**%s**\n\n", mdEscape(ReplayTotal(r)))
	BlockedTable(w, r.Pairs, 0)
	WriteMisses(w, r.Misses, r.Skipped, "", "- ")
}

// BlockedText prints blocked connections by pair, each pair's line
// saying "N flow(s) VERB", indented by indent; limit caps the
// connections printed (0: all), the rest counted.
func BlockedText(w io.Writer, pairs []flows.Pair, verb, indent string, limit int) {
	shown := 0
	for _, p := range pairs {
		if limit > 0 && shown >= limit {
			break
		}
		fmt.Fprintf(w, "%s%s → %s: %s flow(s) %s\n", indent, p.Src, p.Dst, thousands(p.Count), verb)
		for _, b := range p.Conns {
			if limit > 0 && shown >= limit {
				break
			}
			shown++
			fmt.Fprintf(w, "%s  %s%s ×%s: %s\n", indent, connName(p, b.Key), portOf(b.Key), thousands(b.Count), strings.Join(blockedWhy(b), "; "))
		}
	}
	if more := countConns(pairs) - shown; more > 0 {
		fmt.Fprintf(w, "%s… and %d more connection(s) (--format json lists every one)\n", indent, more)
	}
}

// BlockedTable prints blocked connections as a Markdown table, capped
// like BlockedText.
func BlockedTable(w io.Writer, pairs []flows.Pair, limit int) {
	if len(pairs) == 0 {
		return
	}
	fmt.Fprintln(w, "| source | destination | port | flows | denied by |")
	fmt.Fprintln(w, "| --- | --- | --- | ---: | --- |")
	shown := 0
	for _, p := range pairs {
		for _, b := range p.Conns {
			if limit > 0 && shown >= limit {
				continue
			}
			shown++
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", mdEscape(b.Key.Src), mdEscape(b.Key.Dst), portOf(b.Key),
				thousands(b.Count), mdEscape(strings.Join(blockedWhy(b), "; ")))
		}
	}
	fmt.Fprintln(w)
	if more := countConns(pairs) - shown; more > 0 {
		fmt.Fprintf(w, "_… and %d more connection(s) (--format json lists every one)_\n\n", more)
	}
}

func countConns(pairs []flows.Pair) int {
	n := 0
	for _, p := range pairs {
		n += len(p.Conns)
	}
	return n
}

// WriteMisses lists what was not evaluated and what was skipped, under
// headings indented by indent, each line starting with bullet.
func WriteMisses(w io.Writer, misses map[string]*flows.Miss, skipped map[string]int64, indent, bullet string) {
	if len(misses) > 0 {
		fmt.Fprintln(w, indent+"not evaluated:")
		for _, why := range slices.Sorted(maps.Keys(misses)) {
			m := misses[why]
			at := ""
			if m.First.File != "" {
				at = " (first at " + m.First.String() + ")"
			}
			fmt.Fprintf(w, "%s  %s%s flow(s): %s%s\n", indent, bullet, thousands(m.Count), why, at)
		}
	}
	if len(skipped) > 0 {
		fmt.Fprintln(w, indent+"skipped (no connection netpolc evaluates):")
		for _, why := range slices.Sorted(maps.Keys(skipped)) {
			fmt.Fprintf(w, "%s  %s%s record(s): %s\n", indent, bullet, thousands(skipped[why]), why)
		}
	}
}

// blockedWhy says, per direction that denies, what denies it, and the
// closes entry that means to block it.
func blockedWhy(b flows.Blocked) []string {
	out := denials(b)
	if b.Why != "" {
		out = append(out, b.Why)
	}
	if b.ClosedBy != "" {
		out = append(out, fmt.Sprintf("intended: closes %q", b.ClosedBy))
	}
	return out
}

// denials says, per direction that denies, what denies it.
func denials(b flows.Blocked) []string {
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

// BlockedConn is a blocked connection in JSON reports.
type BlockedConn struct {
	Src    string   `json:"src"`
	Dst    string   `json:"dst"`
	Port   string   `json:"port"`
	Flows  int64    `json:"flows"`
	Denied []string `json:"denied"`
	// ClosedBy names the closes entry that means to block it (the gate's).
	ClosedBy string `json:"closedBy,omitempty"`
}

// MissJSON is a group of flows not evaluated, in JSON reports.
type MissJSON struct {
	Reason string `json:"reason"`
	Flows  int64  `json:"flows"`
	First  string `json:"first,omitempty"`
}

// BlockedJSON lists blocked connections for JSON, in the pairs' order.
func BlockedJSON(pairs []flows.Pair) []BlockedConn {
	out := []BlockedConn{}
	for _, p := range pairs {
		for _, b := range p.Conns {
			out = append(out, BlockedConn{b.Key.Src, b.Key.Dst, portOf(b.Key), b.Count, blockedWhy(b), b.ClosedBy})
		}
	}
	return out
}

// MissesJSON lists the misses for JSON, by reason.
func MissesJSON(misses map[string]*flows.Miss) []MissJSON {
	out := []MissJSON{}
	for _, why := range slices.Sorted(maps.Keys(misses)) {
		m := MissJSON{Reason: why, Flows: misses[why].Count}
		if misses[why].First.File != "" {
			m.First = misses[why].First.String()
		}
		out = append(out, m)
	}
	return out
}

// replayJSON is the report as JSON: totals, blocked connections with
// their denying direction and rule origins, and the misses.
func replayJSON(w io.Writer, r *flows.Report) error {
	out := struct {
		Flows      int64         `json:"flows"`
		Allowed    int64         `json:"allowed"`
		Blocked    int64         `json:"blocked"`
		Unresolved int64         `json:"notEvaluated"`
		Replies    int64         `json:"replies"`
		Conns      []BlockedConn `json:"blockedConnections"`
		Misses     []MissJSON    `json:"notEvaluatedReasons"`
	}{Flows: r.Flows, Allowed: r.Allowed, Blocked: r.Blocked, Unresolved: r.Unresolved, Replies: r.Replies,
		Conns: BlockedJSON(r.Pairs), Misses: MissesJSON(r.Misses)}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// Thousands renders n with comma separators (12,403).
func Thousands(n int64) string { return thousands(n) }

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
