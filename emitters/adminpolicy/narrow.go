package adminpolicy

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/internal/ir"
)

// narrowing is what approximation dropped from one rule.
type narrowing struct {
	rule ir.Rule
	what []string // "why: narrowed: what", in the order found
}

// narrowKey identifies a rule among the IR's rules.
func narrowKey(r ir.Rule) string {
	return kit.JSONKey([]any{r.Origin, r.Direction, r.Subject.Namespace, r.Subject.Name, r.Peer, r.Ports})
}

// approximate handles what the API cannot express exactly: an error with
// a hint (fix, if given, then what --allow-approximate would do), or under
// AllowApproximate a note on the rule's warning (the caller then narrows
// the rule).
func (b *builder) approximate(r ir.Rule, narrowed, why, fix string) error {
	if b.opts.AllowApproximate {
		key := narrowKey(r)
		n := b.narrowed[key]
		if n == nil {
			n = &narrowing{rule: r}
			b.narrowed[key] = n
		}
		if note := why + ": narrowed: " + narrowed; !slices.Contains(n.what, note) {
			n.what = append(n.what, note)
		}
		return nil
	}
	hint := "--allow-approximate would emit it narrower: " + narrowed
	if fix != "" {
		hint = fix + "; or " + hint
	}
	return kit.Hinted(fmt.Errorf("%s: %w", why, ErrUnsupported), hint)
}

// warnings returns one warning per narrowed rule, listing everything
// approximation dropped from it, sorted by origin and message so that
// they do not depend on the order of the IR.
func (b *builder) warnings() []kit.Warning {
	var out []kit.Warning
	for _, key := range slices.Sorted(maps.Keys(b.narrowed)) {
		n := b.narrowed[key]
		r := n.rule
		out = append(out, kit.Warning{Origin: r.Origin, Message: fmt.Sprintf("%s rule of %s/%s: %s",
			kit.Lower(r.Direction), r.Subject.Namespace, r.Subject.Name, strings.Join(n.what, "; "))})
	}
	slices.SortStableFunc(out, func(x, y kit.Warning) int {
		return cmp.Or(kit.CompareOrigins(x.Origin, y.Origin), strings.Compare(x.Message, y.Message))
	})
	return out
}
