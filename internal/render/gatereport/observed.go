package gatereport

import (
	"fmt"
	"strings"

	"github.com/netpolc/netpolc/internal/gate"
	"github.com/netpolc/netpolc/internal/render"
)

// observedHeadline is the one line a reviewer reads first: "this change
// blocks 37 observed connection(s) in 3 pair(s) (1,204 flows)", and how
// many of them are intended.
func observedHeadline(o *gate.Observed) string {
	c := o.Change
	if c.BlockedConns == 0 {
		return fmt.Sprintf("this change blocks none of the observed connections (%s flow(s) read)", render.Thousands(c.Flows))
	}
	s := fmt.Sprintf("this change blocks %d observed connection(s) in %d pair(s) (%s of %s flow(s))",
		c.BlockedConns, len(c.Pairs), render.Thousands(c.Blocked), render.Thousands(c.Flows))
	conns, _ := o.Uncovered()
	switch {
	case conns == 0:
		s += ": all intended (closes)"
	case conns == c.BlockedConns && o.AllowClosing:
		s += ": accepted by --allow-closing"
	case conns == c.BlockedConns:
		s += ": none is named by a closes entry"
	case o.AllowClosing:
		s += fmt.Sprintf(": %d intended (closes), %d accepted by --allow-closing", c.BlockedConns-conns, conns)
	default:
		s += fmt.Sprintf(": %d intended (closes), %d not", c.BlockedConns-conns, conns)
	}
	return s
}

// observedNotes are the lines under the blocked connections: what the
// closes entries covered, the stale ones, what was not evaluated, and
// what was read.
func observedNotes(o *gate.Observed) []string {
	var out []string
	if o.BaseEnforcedNothing {
		out = append(out, "the base is staged (netpolc.yaml staged: true) and enforced nothing: this change enforces, "+
			"so every observed connection the head denies is newly blocked, also those the staged policies reported as would-be drops")
	}
	for _, u := range o.Closes {
		if u.Conns > 0 {
			out = append(out, fmt.Sprintf("closes %q (%s) covers %d connection(s), %s flow(s)", u.Name, u.Pos(), u.Conns, render.Thousands(u.Flows)))
		}
	}
	for _, c := range o.Stale() {
		out = append(out, fmt.Sprintf("stale: closes %q (%s) names no observed connection this change blocks: remove it, or check from/to/port", c.Name, c.Pos()))
	}
	if n := o.Change.Unresolved; n > 0 {
		out = append(out, fmt.Sprintf("%s flow(s) not evaluated at either side (listed below): they could not be judged", render.Thousands(n)))
	}
	if len(o.Sources) > 0 {
		out = append(out, "flows read: "+strings.Join(o.Sources, ", "))
	}
	return out
}

// writeObservedText prints the observed traffic's section; failed says
// the run fails on it.
func writeObservedText(b *strings.Builder, o *gate.Observed, limit int, p paint) {
	if o.Unchanged {
		fmt.Fprintf(b, "\n%s\n", o.Summary())
		return
	}
	mark := p.green("✓")
	if o.Failed() {
		mark = p.red("✗")
	}
	fmt.Fprintf(b, "\n%s %s %s\n", mark, p.bold("observed:"), observedHeadline(o))
	render.BlockedText(b, o.Change.Pairs, "newly blocked", "    ", limit)
	for _, n := range observedNotes(o) {
		fmt.Fprintf(b, "  %s\n", n)
	}
	render.WriteMisses(b, o.Change.Misses, o.Change.Skipped, "  ", "")
	if o.Failed() {
		b.WriteString("  fix: keep allowing them, or, if closing them is intended, name each in a closes entry of the intents " +
			"(closes: \"why\": {from: \"ns/workload\", to: \"ns/workload\", port: \"TCP/5432\"}) or, once reviewed, verify with --allow-closing\n")
	}
}

// writeObservedMD prints the section as Markdown, ready for a pull
// request comment.
func writeObservedMD(b *strings.Builder, o *gate.Observed, limit int) {
	b.WriteString("\n#### Observed traffic\n\n")
	if o.Unchanged {
		fmt.Fprintf(b, "%s.\n", cellText(o.Summary()))
		return
	}
	fmt.Fprintf(b, "**%s**\n\n", cellText(observedHeadline(o)))
	if o.Failed() {
		b.WriteString("Keep allowing them, or name each connection the change means to close in a `closes` entry of the intents (or verify with `--allow-closing` once reviewed).\n\n")
	}
	render.BlockedTable(b, o.Change.Pairs, limit)
	for _, n := range observedNotes(o) {
		fmt.Fprintf(b, "- %s\n", cellText(n))
	}
	render.WriteMisses(b, o.Change.Misses, o.Change.Skipped, "", "- ")
}

// observedJSON is the section in JSON: every newly blocked connection.
type observedJSON struct {
	Unchanged      bool  `json:"unchanged,omitempty"`
	Flows          int64 `json:"flows"`
	Allowed        int64 `json:"allowed"`
	AlreadyBlocked int64 `json:"alreadyBlocked"`
	Blocked        int64 `json:"newlyBlocked"`
	Uncovered      int   `json:"uncoveredConnections"`
	AllowClosing   bool  `json:"allowClosing"`
	// BaseEnforcedNothing: the base was staged and the head enforces.
	BaseEnforcedNothing bool                 `json:"baseEnforcedNothing,omitempty"`
	Conns               []render.BlockedConn `json:"newlyBlockedConnections"`
	Closes              []closesJSON         `json:"closes"`
	Unresolved          int64                `json:"notEvaluated"`
	Misses              []render.MissJSON    `json:"notEvaluatedReasons"`
	Sources             []string             `json:"sources"`
}

type closesJSON struct {
	Name        string `json:"name"`
	Pos         string `json:"pos"`
	Connections int    `json:"connections"`
	Flows       int64  `json:"flows"`
	Stale       bool   `json:"stale"`
}

func observedToJSON(o *gate.Observed) *observedJSON {
	if o == nil {
		return nil
	}
	out := &observedJSON{Unchanged: o.Unchanged, AllowClosing: o.AllowClosing, BaseEnforcedNothing: o.BaseEnforcedNothing, Conns: []render.BlockedConn{},
		Closes: []closesJSON{}, Misses: []render.MissJSON{}, Sources: nonNil(o.Sources)}
	if c := o.Change; c != nil {
		out.Flows, out.Allowed, out.AlreadyBlocked, out.Blocked, out.Unresolved = c.Flows, c.Allowed, c.AlreadyBlocked, c.Blocked, c.Unresolved
		out.Conns, out.Misses = render.BlockedJSON(c.Pairs), render.MissesJSON(c.Misses)
	}
	out.Uncovered, _ = o.Uncovered()
	for _, u := range o.Closes {
		out.Closes = append(out.Closes, closesJSON{Name: u.Name, Pos: u.Pos().String(), Connections: u.Conns, Flows: u.Flows, Stale: u.Conns == 0})
	}
	return out
}
