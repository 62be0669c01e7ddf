package gatereport

import (
	"fmt"
	"slices"
	"strings"

	"github.com/netpolc/netpolc/internal/gate"
)

// The reviewer's view of a diff: the changes counted by tier and by
// owner, and the namespaces a platform change affects without naming
// them. Printed only when the diff touches the platform layer or has
// owners, so a team-only diff reads as before.

// tally counts changes by kind.
type tally struct{ opened, changed, closed int }

func (t *tally) add(c gate.Change) {
	switch c {
	case gate.Opened:
		t.opened++
	case gate.Changed:
		t.changed++
	default:
		t.closed++
	}
}

// platformTouched reports whether any flow is decided by a platform tier.
func platformTouched(d *gate.Diff) bool {
	for _, f := range d.Flows {
		if f.Tier != gate.TierNamespaced && f.Tier != "" {
			return true
		}
	}
	return d.PlatformChanged
}

// reviewLines are the summary lines: "by tier: …", "by owner: …" and
// the unnamed namespaces, nil when there is nothing to add.
func reviewLines(d *gate.Diff, p paint) []string {
	var out []string
	if platformTouched(d) {
		out = append(out, "by tier: "+tallies(d, p, []string{gate.TierAdmin, gate.TierNamespaced, gate.TierBaseline},
			func(f gate.Flow) string { return f.Tier }))
	}
	if d.Owned {
		var names []string
		for _, f := range d.Flows {
			if !slices.Contains(names, ownerKey(f)) {
				names = append(names, ownerKey(f))
			}
		}
		out = append(out, "by owner: "+tallies(d, p, slices.Sorted(slices.Values(names)), ownerKey))
	}
	if len(d.Unnamed) > 0 {
		out = append(out, fmt.Sprintf("⚠ platform change: affects namespaces not named by the change: %s", strings.Join(d.Unnamed, ", ")))
	}
	return out
}

// tallies prints "admin +1 −2 · namespaced +3" over keys, leaving out
// keys without changes.
func tallies(d *gate.Diff, p paint, keys []string, key func(gate.Flow) string) string {
	by := map[string]*tally{}
	for _, f := range d.Flows {
		k := key(f)
		if by[k] == nil {
			by[k] = &tally{}
		}
		by[k].add(f.Change)
	}
	var parts []string
	for _, k := range keys {
		if t := by[k]; t != nil {
			parts = append(parts, k+" "+counts(p, t.opened, t.changed, t.closed))
		}
	}
	return strings.Join(parts, " · ")
}

// tierTag marks a row decided by a platform tier.
func tierTag(tier string) string {
	if tier == gate.TierAdmin || tier == gate.TierBaseline {
		return "  [" + tier + " tier]"
	}
	return ""
}

// ownerTag names a namespace group's owner.
func ownerTag(owner string) string {
	if owner == "" {
		return ""
	}
	return "  (owner " + owner + ")"
}

// ownerKey is a flow's owner in the by-owner tally; namespaces no owner
// claims (the cluster DNS's, addresses) count as "(no owner)", sorted
// first.
func ownerKey(f gate.Flow) string {
	if f.Owner == "" {
		return "(no owner)"
	}
	return f.Owner
}
