package gatereport

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/netpolc/netpolc/internal/gate"
	"github.com/netpolc/netpolc/internal/netset"
	"github.com/netpolc/netpolc/internal/portset"
	"github.com/netpolc/netpolc/internal/render"
)

// row is one printed line of a diff: flows that changed alike (same
// change, ports and origins) from sources in one namespace to
// destinations in one namespace, compacted into "sources × destinations".
// A generated cluster's thousands of flows collapse into a few rows per
// namespace this way.
type row struct {
	change        gate.Change
	srcs, dsts    []string
	before, after portset.Set
	origins       []string
	flows         int
	tier          string
}

// group is the rows of one namespace.
type group struct {
	namespace               string
	owner                   string
	opened, changed, closed int
	rows                    []row
}

func (g group) flows() int { return g.opened + g.changed + g.closed }

// groups compacts a diff's flows into rows, per namespace, in order.
func groups(d *gate.Diff) []group {
	var out []group
	for i := 0; i < len(d.Flows); {
		j := i
		for j < len(d.Flows) && d.Flows[j].Namespace == d.Flows[i].Namespace {
			j++
		}
		g := group{namespace: d.Flows[i].Namespace, owner: d.Flows[i].Owner, rows: compact(d.Flows[i:j])}
		for _, f := range d.Flows[i:j] {
			switch f.Change {
			case gate.Opened:
				g.opened++
			case gate.Changed:
				g.changed++
			default:
				g.closed++
			}
		}
		out = append(out, g)
		i = j
	}
	return out
}

// compact merges flows into rows. Within flows that changed alike, each
// source's destination list is computed, and sources with the same list
// share a row, so a full product of sources and destinations is one row.
func compact(flows []gate.Flow) []row {
	type bucket struct {
		proto row
		dsts  map[string][]string // src → destinations, in order
		srcs  []string            // in order
	}
	var order []string
	buckets := map[string]*bucket{}
	for _, f := range flows {
		k := strings.Join([]string{string(f.Change), f.Before.String(), f.After.String(),
			strings.Join(f.Origins, "\x00"), nodeNS(f.Src), nodeNS(f.Dst), f.Tier}, "\x01")
		b, ok := buckets[k]
		if !ok {
			b = &bucket{proto: row{change: f.Change, before: f.Before, after: f.After, origins: f.Origins, tier: f.Tier}, dsts: map[string][]string{}}
			buckets[k] = b
			order = append(order, k)
		}
		if _, seen := b.dsts[f.Src]; !seen {
			b.srcs = append(b.srcs, f.Src)
		}
		b.dsts[f.Src] = append(b.dsts[f.Src], f.Dst)
	}
	var out []row
	for _, k := range order {
		b := buckets[k]
		var sigs []string
		bySig := map[string]*row{}
		for _, s := range b.srcs {
			sig := strings.Join(b.dsts[s], "\x00")
			r, ok := bySig[sig]
			if !ok {
				r = &row{change: b.proto.change, before: b.proto.before, after: b.proto.after, origins: b.proto.origins, tier: b.proto.tier, dsts: b.dsts[s]}
				bySig[sig] = r
				sigs = append(sigs, sig)
			}
			r.srcs = append(r.srcs, s)
			r.flows += len(b.dsts[s])
		}
		for _, sig := range sigs {
			out = append(out, *bySig[sig])
		}
	}
	return out
}

// nodeNS is the namespace of a workload node; the external ranges are
// one group (a row names their union), a DNS name is a group of its own.
func nodeNS(name string) string {
	if strings.HasPrefix(name, netset.NamePrefix) {
		return netset.NamePrefix
	}
	ns, _, _ := strings.Cut(name, "/")
	return ns
}

// nodeList prints nodes of one namespace: "shop/web", or
// "shop/{web, app, +3 more}" (render.NameGroup), or external ranges as
// the CIDRs of their union ("0.0.0.0/0; ::/0" is "world", see
// displayName), cut when long (render.CutName).
func nodeList(names []string) string {
	if len(names) == 1 {
		return displayName(names[0])
	}
	if set, ok := render.RangeSet(names); ok {
		return render.CutName(set.Display(allAddresses))
	}
	return render.NameGroup(nodeNS(names[0]), names, len(names))
}

// portsText prints a row's ports: what is allowed now (opened), what was
// (closed), or both.
func (r row) portsText() string {
	switch r.change {
	case gate.Opened:
		return r.after.String()
	case gate.Closed:
		return r.before.String()
	}
	return r.before.String() + " ⇒ " + r.after.String()
}

// maxOrigins is how many origins a row prints.
const maxOrigins = 3

// originsText prints a row's origins, shortened.
func (r row) originsText() string {
	o := r.origins
	if len(o) > maxOrigins {
		o = append(o[:maxOrigins:maxOrigins], fmt.Sprintf("+%d more", len(r.origins)-maxOrigins))
	}
	return strings.Join(o, ", ")
}

// shownGroup is a group as a capped report prints it.
type shownGroup struct {
	group
	shown       []row
	hiddenFlows int
}

// plan caps the rows of a report at limit (0: no cap): each namespace
// gets a fair share, at least a few rows, while the budget lasts.
// hiddenGroups and hiddenFlows count what is left out entirely.
func plan(gs []group, limit int) (out []shownGroup, hiddenGroups, hiddenFlows int) {
	budget, per := limit, limit
	if limit > 0 && len(gs) > 0 {
		per = max(5, limit/len(gs))
	}
	for _, g := range gs {
		if limit > 0 && budget <= 0 {
			hiddenGroups++
			hiddenFlows += g.flows()
			continue
		}
		n := len(g.rows)
		if limit > 0 {
			n = min(n, per, budget)
			budget -= n
		}
		sg := shownGroup{group: g, shown: g.rows[:n]}
		for _, r := range g.rows[n:] {
			sg.hiddenFlows += r.flows
		}
		out = append(out, sg)
	}
	return out, hiddenGroups, hiddenFlows
}

// allAddresses is every IPv4 and IPv6 address.
var allAddresses = netset.Set{netset.PrefixRange(netip.MustParsePrefix("0.0.0.0/0")), netset.PrefixRange(netip.MustParsePrefix("::/0"))}

// displayName prints an external range as the human formats do
// ("203.0.113.0/24", "0.0.0.0/0 except 10.0.0.0/8"; netset.Set.Display),
// anything else as is. The JSON report keeps the exact range.
func displayName(name string) string {
	if r, ok := netset.ParseName(name); ok {
		return render.CutName(netset.Set{r}.Display(allAddresses))
	}
	return name
}
