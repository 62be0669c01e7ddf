package gatereport

import (
	"fmt"
	"io"
	"strings"

	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/gate"
)

// WriteReport prints a verify report: one summary line when every check
// passed, otherwise each failed check with what to do about it.
func WriteReport(w io.Writer, r *gate.Report, o RenderOptions) error {
	if o.Format == JSON {
		return writeJSON(w, reportToJSON(r))
	}
	var b strings.Builder
	if o.Format == Markdown {
		writeReportMD(&b, r, o.Limit)
	} else {
		writeReportText(&b, r, o.Limit, painter(o.Color))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// checked says what a run checked: "the staged index (intents: intents,
// output: deploy/netpol)".
func checked(r *gate.Report) string {
	s := r.Head + " (intents: " + r.Intents
	if r.Drift.Output != "" {
		s += ", output: " + r.Drift.Output
	}
	return s + ")"
}

func writeReportText(b *strings.Builder, r *gate.Report, limit int, p paint) {
	if !r.Failed() {
		fmt.Fprintf(b, "netpolc verify: %s — %s\n", p.green("ok"), r.Summary())
		if worthListing(r.Observed) {
			writeObservedText(b, r.Observed, limit, p)
		}
		return
	}
	fmt.Fprintf(b, "netpolc verify: %s — %s\n", p.red("FAILED"), checked(r))
	if r.Drift.Drifted() {
		d := r.Drift
		fmt.Fprintf(b, "\n%s %s %s is not what `netpolc build` makes from %s (%d of %d files differ):\n",
			p.red("✗"), p.bold("drift:"), d.Output, r.Intents, len(d.Changed)+len(d.Missing)+len(d.Extra), d.Files)
		for _, line := range driftLines(d, limit) {
			fmt.Fprintf(b, "    %s\n", line)
		}
		fmt.Fprintf(b, "  fix: run `netpolc build` and stage the result (git add %s); never edit generated files by hand\n", d.Output)
	}
	if d := r.OldDrift; d != nil && d.Drifted() {
		fmt.Fprintf(b, "\n%s %s %s, the output the base names, is not what `netpolc build` makes from %s:\n",
			p.red("✗"), p.bold("drift:"), d.Output, r.Intents)
		for _, line := range driftLines(*d, limit) {
			fmt.Fprintf(b, "    %s\n", line)
		}
	}
	if len(r.ConfigChanges) > 0 && !r.ConfigAllowed {
		fmt.Fprintf(b, "\n%s %s this change alters what the gate checks:\n", p.red("✗"), p.bold("config:"))
		for _, c := range r.ConfigChanges {
			fmt.Fprintf(b, "    %s\n", c)
		}
		b.WriteString("  fix: undo it, or, once it is reviewed, verify with --allow-config-change\n")
	}
	if len(r.OwnerChanges) > 0 && !r.OwnersAllowed {
		fmt.Fprintf(b, "\n%s %s this change alters who owns which namespaces (checked against the base's owners):\n", p.red("✗"), p.bold("owners:"))
		for _, c := range r.OwnerChanges {
			fmt.Fprintf(b, "    %s\n", c)
		}
		b.WriteString("  fix: undo it, or, once the owners of the namespaces have reviewed it, verify with --allow-owner-change\n")
	}
	if errs := r.Findings.Errors(); errs != nil {
		list := errs.(diag.List)
		fmt.Fprintf(b, "\n%s %s %d broken guardrail(s) or failing expectation(s):\n%s\n", p.red("✗"), p.bold("checks:"), len(list), list.Error())
	}
	if r.OpenedDenied() {
		fmt.Fprintf(b, "\n%s %s the change opens connectivity and --deny-opened is set:\n", p.red("✗"), p.bold("opened:"))
		writeDiffText(b, r.Diff, limit, p)
	}
	if r.Observed != nil {
		writeObservedText(b, r.Observed, limit, p)
	}
}

// worthListing reports whether a passing run's observed traffic has more
// to say than the summary: connections the closes entries (or
// --allow-closing) accepted, stale entries, flows not evaluated.
func worthListing(o *gate.Observed) bool {
	return o != nil && !o.Unchanged && (o.BaseEnforcedNothing || o.Change.BlockedConns > 0 || len(o.Stale()) > 0 || o.Change.Unresolved > 0)
}

// driftLines lists drifted files, capped.
func driftLines(d gate.Drift, limit int) []string {
	var out []string
	for _, c := range []struct {
		label string
		paths []string
	}{{"changed", d.Changed}, {"missing", d.Missing}, {"extra  ", d.Extra}} {
		for _, path := range c.paths {
			out = append(out, c.label+"  "+path)
		}
	}
	if limit > 0 && len(out) > limit {
		out = append(out[:limit], fmt.Sprintf("… and %d more", len(out)-limit))
	}
	return out
}

func writeReportMD(b *strings.Builder, r *gate.Report, limit int) {
	if !r.Failed() {
		fmt.Fprintf(b, "### netpolc verify: passed\n\n%s.\n", r.Summary())
		if r.Observed != nil {
			writeObservedMD(b, r.Observed, limit)
		}
		if r.Diff != nil && !r.Diff.Empty() {
			b.WriteString("\n")
			writeDiffMD(b, r.Diff, limit)
		}
		return
	}
	fmt.Fprintf(b, "### netpolc verify: failed\n\n%s.\n", checked(r))
	if r.Drift.Drifted() {
		fmt.Fprintf(b, "\n#### Drift\n\n%s is not what `netpolc build` makes from %s. Run `netpolc build` and commit the result.\n\n",
			code(r.Drift.Output), code(r.Intents))
		for _, line := range driftLines(r.Drift, limit) {
			fmt.Fprintf(b, "- %s\n", cellText(line))
		}
	}
	if d := r.OldDrift; d != nil && d.Drifted() {
		fmt.Fprintf(b, "\n#### Drift of the base's output\n\n%s is not what `netpolc build` makes from %s.\n\n", code(d.Output), code(r.Intents))
		for _, line := range driftLines(*d, limit) {
			fmt.Fprintf(b, "- %s\n", cellText(line))
		}
	}
	if len(r.ConfigChanges) > 0 && !r.ConfigAllowed {
		b.WriteString("\n#### Gate configuration\n\nThis change alters what the gate checks; undo it, or verify with `--allow-config-change` once it is reviewed.\n\n")
		for _, c := range r.ConfigChanges {
			fmt.Fprintf(b, "- %s\n", cellText(c))
		}
	}
	if len(r.OwnerChanges) > 0 && !r.OwnersAllowed {
		b.WriteString("\n#### Owners\n\nThis change alters who owns which namespaces; the intents were checked against the base's owners. Undo it, or verify with `--allow-owner-change` once the owners of the namespaces have reviewed it.\n\n")
		for _, c := range r.OwnerChanges {
			fmt.Fprintf(b, "- %s\n", cellText(c))
		}
	}
	if errs := r.Findings.Errors(); errs != nil {
		b.WriteString("\n#### Broken guardrails and failing expectations\n\n```\n")
		b.WriteString(errs.Error())
		b.WriteString("\n```\n")
	}
	if r.Observed != nil {
		writeObservedMD(b, r.Observed, limit)
	}
	if r.Diff != nil && !r.Diff.Empty() {
		b.WriteString("\n#### Connectivity\n\n")
		if r.OpenedDenied() {
			b.WriteString("The change opens connectivity and `--deny-opened` is set.\n\n")
		}
		writeDiffMD(b, r.Diff, limit)
	}
}
