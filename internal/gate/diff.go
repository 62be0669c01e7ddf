package gate

import (
	"cmp"
	"slices"
	"strings"

	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/explain"
	"github.com/netpolc/netpolc/internal/portset"
)

// Change says how a flow changed between two snapshots.
type Change string

// Changes, in the order reports list them.
const (
	Opened  Change = "opened"  // allowed now, not before
	Changed Change = "changed" // allowed on both sides, on different ports
	Closed  Change = "closed"  // allowed before, not now
)

func changeRank(c Change) int {
	switch c {
	case Opened:
		return 0
	case Changed:
		return 1
	}
	return 2
}

// Flow is one (source, destination) pair whose allowed ports changed.
type Flow struct {
	Change Change
	// Src and Dst are matrix node names: "namespace/workload" or
	// "ip:FIRST-LAST".
	Src, Dst string
	// Namespace groups the flow in reports: the destination's namespace,
	// or the source's when the destination is an external address.
	Namespace string
	// Before and After are the ports allowed on each side (empty when
	// the pair is absent there).
	Before, After portset.Set
	// Origins name what allows the flow: on the head side for opened and
	// changed flows (the intent lines that opened it), on the base side
	// for closed ones (what used to allow it).
	Origins []string
	// Tier is the tier that decides the change (TierAdmin, TierNamespaced,
	// TierBaseline).
	Tier string
	// Owner is the owner of Namespace ("" without owners).
	Owner string
}

// Diff is the connectivity difference between two snapshots.
type Diff struct {
	Base, Head string
	// Flows are sorted by namespace, change (opened, changed, closed),
	// source and destination.
	Flows                   []Flow
	Opened, Changed, Closed int
	// BaseEmpty is set when the base holds no policies at all (before the
	// first commit, or before the intents existed): every flow then shows
	// as opened, though without policies everything was open.
	BaseEmpty bool
	// Owned is set when the flows have owners (netpolc.yaml owners).
	Owned bool
	// PlatformChanged is set when the cluster-wide intents differ;
	// Unnamed are then the namespaces whose flows the admin or baseline
	// tier changed though no changed cluster-wide intent names them (a
	// baseline change that opens every namespace without its own
	// policies), sorted.
	PlatformChanged bool
	Unnamed         []string
}

// Empty reports whether nothing changed.
func (d *Diff) Empty() bool { return len(d.Flows) == 0 }

// Namespaces counts the namespaces the flows are grouped in.
func (d *Diff) Namespaces() int {
	n := 0
	for i, f := range d.Flows {
		if i == 0 || f.Namespace != d.Flows[i-1].Namespace {
			n++
		}
	}
	return n
}

// compareSides diffs the connectivity of two evaluated snapshots. External
// address ranges are first split at every boundary either side knows, so
// a range renamed by an unrelated ipBlock is not reported as a change;
// adjacent ranges that changed alike are merged again afterwards.
func compareSides(base, head *Side) (*Diff, error) {
	if err := alignFamilies(base, head); err != nil {
		return nil, err
	}
	a, b := refine(base.Matrix, head.Matrix)
	delta := enforcer.Diff(a, b)
	var flows []Flow
	add := func(kind Change, cs []enforcer.Change) {
		for _, c := range cs {
			flows = append(flows, Flow{Change: kind, Src: c.Src, Dst: c.Dst, Before: c.Before, After: c.After})
		}
	}
	add(Opened, delta.Opened)
	add(Changed, delta.Changed)
	add(Closed, delta.Closed)
	flows = mergeRanges(flows)
	d := &Diff{Base: base.Name, Head: head.Name, Flows: flows, BaseEmpty: base.Empty && !head.Empty}
	for i := range flows {
		f := &flows[i]
		f.Namespace = groupOf(f.Src, f.Dst)
		f.Origins = origins(base, head, f)
		switch f.Change {
		case Opened:
			d.Opened++
		case Changed:
			d.Changed++
		default:
			d.Closed++
		}
	}
	slices.SortStableFunc(flows, compareFlows)
	d.review(base, head)
	return d, nil
}

func compareFlows(x, y Flow) int {
	return cmp.Or(
		cmp.Compare(x.Namespace, y.Namespace),
		cmp.Compare(changeRank(x.Change), changeRank(y.Change)),
		enforcer.CompareNames(x.Src, y.Src),
		enforcer.CompareNames(x.Dst, y.Dst),
	)
}

// origins finds what allows a flow on the side that allows it: for a
// changed flow, what allows the newly opened ports, or what allowed the
// ports it lost when it only narrowed.
func origins(base, head *Side, f *Flow) []string {
	if base.Model == nil && f.Change != Opened || head.Model == nil && f.Change != Closed {
		return nil
	}
	switch f.Change {
	case Opened:
		return explain.Origins(head.Model, f.Src, f.Dst, f.After)
	case Closed:
		return explain.Origins(base.Model, f.Src, f.Dst, f.Before)
	}
	if gained := f.After.Subtract(f.Before); !gained.IsEmpty() {
		return explain.Origins(head.Model, f.Src, f.Dst, gained)
	}
	return explain.Origins(base.Model, f.Src, f.Dst, f.Before.Subtract(f.After))
}

// groupOf is the namespace a flow is listed under.
func groupOf(src, dst string) string {
	if ns, _, ok := strings.Cut(dst, "/"); ok && !strings.HasPrefix(dst, "ip:") {
		return ns
	}
	ns, _, _ := strings.Cut(src, "/")
	return ns
}
