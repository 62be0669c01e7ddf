package gatereport

import (
	"fmt"
	"strings"

	"github.com/netpolc/netpolc/internal/gate"
)

// writeDiffMD prints a diff as Markdown for a pull request comment: a
// summary line, then a table per namespace. With more than a few
// namespaces each table is folded in a <details> block so the comment
// stays short.
func writeDiffMD(b *strings.Builder, d *gate.Diff, limit int) {
	if d.Empty() {
		fmt.Fprintf(b, "No connectivity change from %s to %s.\n", code(d.Base), code(d.Head))
		return
	}
	fmt.Fprintf(b, "%s → %s: **%d opened**, **%d changed**, **%d closed** flow(s) in %d namespace(s)\n",
		code(d.Base), code(d.Head), d.Opened, d.Changed, d.Closed, d.Namespaces())
	if d.BaseEmpty {
		fmt.Fprintf(b, "\n> %s\n", strings.TrimPrefix(baseEmptyNote(d), "note: "))
	}
	if lines := reviewLines(d, paint{}); len(lines) > 0 {
		b.WriteString("\n")
		for _, l := range lines {
			fmt.Fprintf(b, "- %s\n", cellText(l))
		}
	}
	shown, hiddenGroups, hiddenFlows := plan(groups(d), noteRoom(d, limit))
	fold := len(shown) > 3
	for _, g := range shown {
		title := fmt.Sprintf("%s %s%s", code(g.namespace), counts(paint{}, g.opened, g.changed, g.closed), ownerTag(g.owner))
		if fold {
			fmt.Fprintf(b, "\n<details><summary>%s</summary>\n\n", title)
		} else {
			fmt.Fprintf(b, "\n#### %s\n\n", title)
		}
		b.WriteString("| | from | to | ports | allowed by |\n|:-:|---|---|---|---|\n")
		for _, r := range g.shown {
			by := r.originsText()
			if by != "" && (r.change == gate.Closed || r.change == gate.Changed && r.after.Subtract(r.before).IsEmpty()) {
				by = "was: " + by
			}
			if t := tierTag(r.tier); t != "" {
				by = strings.TrimSpace(strings.TrimSpace(t) + " " + by)
			}
			fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n", sign(r.change), cell(nodeList(r.srcs)), cell(nodeList(r.dsts)), cell(r.portsText()), cellText(by))
		}
		if g.hiddenFlows > 0 {
			fmt.Fprintf(b, "\n_… and %d more flow(s) in %s_\n", g.hiddenFlows, g.namespace)
		}
		if fold {
			b.WriteString("\n</details>\n")
		}
	}
	if hiddenGroups > 0 {
		fmt.Fprintf(b, "\n_… and %d more namespace(s) with %d flow(s) (%s)_\n", hiddenGroups, hiddenFlows, moreHint)
	}
}

// code formats inline code, safe for any content.
func code(s string) string {
	if strings.Contains(s, "`") {
		return "`` " + s + " ``"
	}
	return "`" + s + "`"
}

// cell is inline code in a table cell (pipes escaped).
func cell(s string) string { return strings.ReplaceAll(code(s), "|", `\|`) }

// cellText is plain text in a table cell.
func cellText(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ", "<", "&lt;", ">", "&gt;").Replace(s)
}
