package kit

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/netpolc/netpolc/internal/ir"
)

// Approximation is the error for a rule a target cannot express exactly
// (without --allow-approximate): why says what differs, wrapped around the
// target's unsupported error; the hint names fix (what else the user can
// do, if anything) and what --allow-approximate would leave out.
func Approximation(why, narrowed, fix string, unsupported error) error {
	hint := "--allow-approximate would emit it narrower: " + narrowed
	if fix != "" {
		hint = fix + "; or " + hint
	}
	return Hinted(fmt.Errorf("%s: %w", why, unsupported), hint)
}

// Narrowing is the notes ("why: narrowed: what") approximation made on one
// rule.
type Narrowing struct {
	Rule  ir.Rule
	Notes []string
}

// NarrowingWarnings returns one warning per narrowed rule, listing every
// note on it, sorted by origin and message so that they do not depend on
// the order of the IR.
func NarrowingWarnings(ns []Narrowing) []Warning {
	out := make([]Warning, 0, len(ns))
	for _, n := range ns {
		r := n.Rule
		out = append(out, Warning{Origin: r.Origin, Message: fmt.Sprintf("%s rule of %s/%s: %s",
			Lower(r.Direction), r.Subject.Namespace, r.Subject.Name, strings.Join(n.Notes, "; "))})
	}
	slices.SortStableFunc(out, func(x, y Warning) int {
		return cmp.Or(CompareOrigins(x.Origin, y.Origin), strings.Compare(x.Message, y.Message))
	})
	return out
}
