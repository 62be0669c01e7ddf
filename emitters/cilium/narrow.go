package cilium

import (
	"fmt"

	"github.com/netpolc/netpolc/emitters/kit"
)

// approximate handles what Cilium cannot express exactly in rule
// b.rules[i]: why says what differs, narrowed what the narrower rule
// leaves out, fix (if any) what else the user can do. It returns an
// errUnsupported error, hinting at fix and at --allow-approximate, or
// under AllowApproximate records the narrowing (the caller then narrows
// the rule) and returns nil.
func (b *builder) approximate(i int, narrowed, why, fix string) error {
	if b.exact { // a cluster-wide rule: never narrowed (platform.go)
		err := fmt.Errorf("%s: %w (a cluster-wide rule is never narrowed: a narrower deny would be a wider policy)", why, errUnsupported)
		if fix != "" {
			return kit.Hinted(err, fix)
		}
		return err
	}
	if b.opts.AllowApproximate {
		b.narrowed[i] = append(b.narrowed[i], why+": narrowed: "+narrowed)
		return nil
	}
	return kit.Approximation(why, narrowed, fix, errUnsupported)
}

// warnings returns one warning per narrowed rule (kit.NarrowingWarnings).
func (b *builder) warnings() []kit.Warning {
	ns := make([]kit.Narrowing, 0, len(b.narrowed))
	for i, notes := range b.narrowed {
		ns = append(ns, kit.Narrowing{Rule: b.rules[i], Notes: notes})
	}
	return kit.NarrowingWarnings(ns)
}
