package adminpolicy

import (
	"fmt"
	"slices"

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
	if b.exact {
		hint := "cluster-wide rules are never narrowed: one left out would hand its connections to the rules after it"
		if fix != "" {
			hint = fix + "; " + hint
		}
		return kit.Hinted(fmt.Errorf("%s: %w", why, errUnsupported), hint)
	}
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
	return kit.Approximation(why, narrowed, fix, errUnsupported)
}

// warnings returns one warning per narrowed rule (kit.NarrowingWarnings).
func (b *builder) warnings() []kit.Warning {
	ns := make([]kit.Narrowing, 0, len(b.narrowed))
	for _, n := range b.narrowed {
		ns = append(ns, kit.Narrowing{Rule: n.rule, Notes: n.what})
	}
	return kit.NarrowingWarnings(ns)
}
