package cilium

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/netpolc/netpolc/emitters/kit"
)

// approximate handles what Cilium cannot express exactly in rule
// b.rules[i]: why says what differs, narrowed what the narrower rule
// leaves out, fix (if any) what else the user can do. It returns an
// ErrUnsupported error, hinting at fix and at --allow-approximate, or
// under AllowApproximate records the narrowing (the caller then narrows
// the rule) and returns nil.
func (b *builder) approximate(i int, narrowed, why, fix string) error {
	if b.opts.AllowApproximate {
		b.narrowed[i] = append(b.narrowed[i], why+": narrowed: "+narrowed)
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
	for _, i := range slices.Sorted(maps.Keys(b.narrowed)) {
		r := b.rules[i]
		out = append(out, kit.Warning{Origin: r.Origin, Message: fmt.Sprintf("%s rule of %s/%s: %s",
			kit.Lower(r.Direction), r.Subject.Namespace, r.Subject.Name, strings.Join(b.narrowed[i], "; "))})
	}
	slices.SortStableFunc(out, func(x, y kit.Warning) int {
		return cmp.Or(kit.CompareOrigins(x.Origin, y.Origin), strings.Compare(x.Message, y.Message))
	})
	return out
}
