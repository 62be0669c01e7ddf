package enforcer

import (
	"slices"

	"github.com/netpolc/netpolc/internal/portset"
)

// Change is one (src, dst) pair whose allowed ports differ between two
// matrices. Before or After is empty when the pair is absent on that side.
type Change struct {
	Src, Dst      string
	Before, After portset.Set
}

// Opened is what After allows and Before did not.
func (c Change) Opened() portset.Set { return c.After.Subtract(c.Before) }

// Closed is what Before allowed and After does not.
func (c Change) Closed() portset.Set { return c.Before.Subtract(c.After) }

// Delta is the difference between two matrices, each list sorted by source
// then destination (CompareNames).
type Delta struct {
	Opened  []Change // pairs absent before and present after
	Closed  []Change // pairs present before and absent after
	Changed []Change // pairs present on both sides with different ports
}

// Empty reports whether the matrices agree.
func (d *Delta) Empty() bool {
	return len(d.Opened) == 0 && len(d.Closed) == 0 && len(d.Changed) == 0
}

// Wider reports whether the second matrix allows something the first
// does not: an opened pair, or a changed one that gained ports.
func (d *Delta) Wider() bool {
	if len(d.Opened) > 0 {
		return true
	}
	for _, c := range d.Changed {
		if !c.Opened().IsEmpty() {
			return true
		}
	}
	return false
}

// Diff compares the connections of two matrices (a before, b after).
// Endpoints present on one side only show up through their connections.
func Diff(a, b *Connectivity) *Delta {
	x, y := sortedConnections(a), sortedConnections(b)
	d := &Delta{}
	i, j := 0, 0
	for i < len(x) || j < len(y) {
		switch {
		case j >= len(y) || (i < len(x) && compareConnections(x[i], y[j]) < 0):
			d.Closed = append(d.Closed, Change{Src: x[i].Src, Dst: x[i].Dst, Before: x[i].Ports})
			i++
		case i >= len(x) || compareConnections(x[i], y[j]) > 0:
			d.Opened = append(d.Opened, Change{Src: y[j].Src, Dst: y[j].Dst, After: y[j].Ports})
			j++
		default:
			if !x[i].Ports.Equal(y[j].Ports) {
				d.Changed = append(d.Changed, Change{Src: x[i].Src, Dst: x[i].Dst, Before: x[i].Ports, After: y[j].Ports})
			}
			i, j = i+1, j+1
		}
	}
	return d
}

// sortedConnections returns c's connections in canonical order without
// modifying c, copying only when they are out of order.
func sortedConnections(c *Connectivity) []Connection {
	if c == nil {
		return nil
	}
	if slices.IsSortedFunc(c.Connections, compareConnections) {
		return c.Connections
	}
	out := slices.Clone(c.Connections)
	slices.SortFunc(out, compareConnections)
	return out
}
