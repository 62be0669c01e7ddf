// Package gatereport prints the git gate's findings (package gate): a
// connectivity diff and a verify report, as text (optionally coloured),
// Markdown for a pull request comment, and JSON. Text and Markdown fold
// flows that changed alike into rows and cap them; JSON lists every flow.
package gatereport

import (
	"fmt"
	"io"
	"strings"

	"github.com/netpolc/netpolc/internal/gate"
)

// Format is a report format.
type Format string

// Formats.
const (
	Text     Format = "text"
	Markdown Format = "md"
	JSON     Format = "json"
)

// ParseFormat checks a format name.
func ParseFormat(s string) (Format, error) {
	switch f := Format(s); f {
	case Text, Markdown, JSON:
		return f, nil
	}
	return "", fmt.Errorf("unknown format %q (formats: text, md, json)", s)
}

// RenderOptions tune how a report is printed.
type RenderOptions struct {
	Format Format
	// Color enables ANSI colours in text (for a terminal).
	Color bool
	// Limit caps the rows a text or Markdown diff prints (0: no cap);
	// JSON always lists every flow.
	Limit int
}

// DefaultLimit is the row cap reports use unless told otherwise.
const DefaultLimit = 60

// WriteDiff prints a connectivity diff.
func WriteDiff(w io.Writer, d *gate.Diff, o RenderOptions) error {
	return WriteDiffObserved(w, d, nil, o)
}

// WriteDiffObserved prints a connectivity diff and, when obs is set, the
// observed connections the change newly blocks (first: they are what a
// reviewer must not miss).
func WriteDiffObserved(w io.Writer, d *gate.Diff, obs *gate.Observed, o RenderOptions) error {
	var b strings.Builder
	switch o.Format {
	case JSON:
		doc := diffJSON(d)
		doc.Observed = observedToJSON(obs)
		return writeJSON(w, doc)
	case Markdown:
		fmt.Fprintf(&b, "### netpolc: connectivity diff\n")
		if obs != nil {
			writeObservedMD(&b, obs, o.Limit)
		}
		b.WriteString("\n")
		writeDiffMD(&b, d, o.Limit)
	default:
		writeDiffText(&b, d, o.Limit, painter(o.Color))
		if obs != nil {
			writeObservedText(&b, obs, o.Limit, painter(o.Color))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// paint colours text for a terminal; the zero value does not.
type paint struct{ on bool }

func painter(on bool) paint { return paint{on} }

func (p paint) wrap(code, s string) string {
	if !p.on || s == "" {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

func (p paint) green(s string) string  { return p.wrap("32", s) }
func (p paint) red(s string) string    { return p.wrap("31", s) }
func (p paint) yellow(s string) string { return p.wrap("33", s) }
func (p paint) bold(s string) string   { return p.wrap("1", s) }
func (p paint) dim(s string) string    { return p.wrap("2", s) }

// sign is a change's marker: + opened, ~ changed, − closed.
func sign(c gate.Change) string {
	switch c {
	case gate.Opened:
		return "+"
	case gate.Changed:
		return "~"
	}
	return "−"
}

func (p paint) change(c gate.Change, s string) string {
	switch c {
	case gate.Opened:
		return p.green(s)
	case gate.Changed:
		return p.yellow(s)
	}
	return p.red(s)
}

// counts prints "+3 ~1 −2", leaving out zeros.
func counts(p paint, opened, changed, closed int) string {
	var parts []string
	if opened > 0 {
		parts = append(parts, p.green(fmt.Sprintf("+%d", opened)))
	}
	if changed > 0 {
		parts = append(parts, p.yellow(fmt.Sprintf("~%d", changed)))
	}
	if closed > 0 {
		parts = append(parts, p.red(fmt.Sprintf("−%d", closed)))
	}
	return strings.Join(parts, " ")
}

// baseEmptyNote explains a diff from nothing: a namespace without
// policies lets everything in and out, so this change isolates and the
// "opened" flows are what stays allowed.
func baseEmptyNote(d *gate.Diff) string {
	return fmt.Sprintf("note: %s holds no policies, and without policies Kubernetes allows all traffic: this change isolates its workloads, and the %d flow(s) marked opened are what it keeps allowed.", d.Base, d.Opened)
}

// noteRoom is the row budget left once the base-empty note (up to two
// lines) is printed.
func noteRoom(d *gate.Diff, limit int) int {
	if d.BaseEmpty && limit > 2 {
		return limit - 2
	}
	return limit
}

// headline is the diff's one-line summary.
func headline(d *gate.Diff) string {
	if d.Empty() {
		return fmt.Sprintf("no connectivity change from %s to %s", d.Base, d.Head)
	}
	return fmt.Sprintf("connectivity from %s to %s: %d opened, %d changed, %d closed flow(s) in %d namespace(s)",
		d.Base, d.Head, d.Opened, d.Changed, d.Closed, d.Namespaces())
}

// writeDiffText prints the diff for people: the headline, then each
// namespace's rows within the cap.
func writeDiffText(b *strings.Builder, d *gate.Diff, limit int, p paint) {
	fmt.Fprintln(b, p.bold(headline(d)))
	if d.BaseEmpty {
		fmt.Fprintln(b, baseEmptyNote(d))
	}
	for _, l := range reviewLines(d, p) {
		fmt.Fprintln(b, l)
	}
	shown, hiddenGroups, hiddenFlows := plan(groups(d), noteRoom(d, limit))
	for _, g := range shown {
		fmt.Fprintf(b, "\n%s  %s%s\n", p.bold(g.namespace), counts(p, g.opened, g.changed, g.closed), ownerTag(g.owner))
		for _, r := range g.shown {
			line := fmt.Sprintf("  %s %s → %s  %s", sign(r.change), nodeList(r.srcs), nodeList(r.dsts), r.portsText())
			fmt.Fprintln(b, p.change(r.change, line)+tierTag(r.tier)+p.dim(originNote(r)))
		}
		if g.hiddenFlows > 0 {
			fmt.Fprintf(b, "  … and %d more flow(s) in %s\n", g.hiddenFlows, g.namespace)
		}
	}
	if hiddenGroups > 0 {
		fmt.Fprintf(b, "\n… and %d more namespace(s) with %d flow(s) (%s)\n", hiddenGroups, hiddenFlows, moreHint)
	}
}

const moreHint = "--limit 0 prints every row, --format json every flow"

// originNote says what allows (or allowed) a row's flows.
func originNote(r row) string {
	switch {
	case len(r.origins) == 0:
		return ""
	case r.change == gate.Closed, r.change == gate.Changed && r.after.Subtract(r.before).IsEmpty():
		return "  (was allowed by " + r.originsText() + ")"
	}
	return "  ← " + r.originsText()
}
