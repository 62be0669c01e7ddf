package render

import (
	"fmt"
	"io"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/netset"
	"github.com/netpolc/netpolc/internal/portset"
)

// Summary is what a build tells a reviewer about the compiled intents.
type Summary struct {
	Workloads int
	// IngressIsolated and EgressIsolated count workloads isolated in each
	// direction; Open lists workloads isolated in neither.
	IngressIsolated, EgressIsolated int
	Open                            []string
	// External are the allowed flows between workloads of the intents'
	// namespaces (declared, or from the inventory) and addresses outside
	// the cluster's known pods, the addresses merged and named as the
	// human formats show them ("world", "0.0.0.0/0 except 203.0.113.0/24";
	// see view.go).
	External []enforcer.Connection
	// Undeclared are the allowed flows between pods of which an end is an
	// inventory workload in the intents' namespaces that the intents do
	// not declare (a Pod without owner is a workload of its own).
	Undeclared []enforcer.Connection
	// Admin and Baseline count the platform layer's cluster-wide intents
	// per tier: the isolation counts above are the teams' policies only.
	Admin, Baseline int
	// namespaceOf is the namespace of each workload end of the flows
	// (other ends are external): Print folds by it.
	namespaceOf map[string]string
}

// Summarize computes the summary from the IR and the intents' matrix.
func Summarize(p *ir.Policy, conn *enforcer.Stream) Summary {
	s := Summary{Workloads: len(p.Workloads), namespaceOf: map[string]string{}}
	for _, ep := range conn.Endpoints {
		if ep.Namespace != "" {
			s.namespaceOf[ep.Name] = ep.Namespace
		}
	}
	for _, cp := range p.Cluster {
		if cp.Tier == ir.TierAdmin {
			s.Admin++
		} else {
			s.Baseline++
		}
	}
	declared := map[string]bool{}
	isos := isolationIndex(p)
	for _, w := range p.Workloads {
		declared[w.Namespace+"/"+w.Name] = true
		in, out := isos.isolated(w, ir.Ingress), isos.isolated(w, ir.Egress)
		if in {
			s.IngressIsolated++
		}
		if out {
			s.EgressIsolated++
		}
		if !in && !out {
			s.Open = append(s.Open, w.Namespace+"/"+w.Name)
		}
	}
	ours := map[string]bool{} // the namespaces the intents declare
	for _, ns := range p.Namespaces {
		ours[ns.Name] = true
	}
	in := func(ep string) bool { ns, _, _ := strings.Cut(ep, "/"); return ours[ns] }
	s.Undeclared = undeclaredFlows(conn, func(name string) bool { return in(name) && !declared[name] })
	s.External = externalFlows(conn, in)
	return s
}

// undeclaredFlows lists the pairs of which an end is undeclared and no
// end an address, reading the pairs only when some endpoint is
// undeclared.
func undeclaredFlows(st *enforcer.Stream, undeclared func(name string) bool) []enforcer.Connection {
	marked := make([]bool, st.Nodes())
	found := false
	for n, ep := range st.Endpoints {
		marked[n] = undeclared(ep.Name)
		found = found || marked[n]
	}
	if !found {
		return nil
	}
	var out []enforcer.Connection
	cur := st.Cursor()
	for n, src := range st.Endpoints {
		for _, t := range cur.Targets(n) {
			dst := st.Endpoints[t.Node]
			if (marked[n] || marked[t.Node]) && !strings.HasPrefix(src.Name, "ip:") && !strings.HasPrefix(dst.Name, "ip:") {
				out = append(out, enforcer.Connection{Src: src.Name, Dst: dst.Name, Ports: st.PortSets[t.Ports]})
			}
		}
	}
	return out
}

// externalFlows lists the flows between a workload for which ours holds
// and the addresses outside the cluster's known pods: one per workload,
// direction and port set, its external side the union of every external
// peer (class of addresses) in it, so that the world reaching a gateway
// is one line however the rest of the intents carve the world up. A peer
// that is no address range (an FQDN) is a flow of its own. Flows come in
// the order of their first pair (the stream's canonical order).
func externalFlows(st *enforcer.Stream, ours func(string) bool) []enforcer.Connection {
	first := firstExternal(st.Endpoints)
	ranges := make([]netset.Range, st.Nodes()-first)
	isRange := make([]bool, st.Nodes()-first)
	var world netset.Set
	for n := first; n < st.Nodes(); n++ {
		if r, ok := netset.ParseName(st.Endpoints[n].Name); ok {
			ranges[n-first], isRange[n-first] = r, true
			world = append(world, r)
		}
	}
	type key struct {
		internal   int
		toExternal bool
		ports      string
		peer       string // a peer that is no range; "" for ranges
	}
	type flow struct {
		key
		set   netset.Set
		ports portset.Set
	}
	portNames := portTexts{}
	index := map[key]*flow{}
	var flows []*flow
	add := func(internal, ext int, toExternal bool, ps portset.Set) {
		k := key{internal: internal, toExternal: toExternal, ports: portNames.of(ps)}
		if !isRange[ext-first] {
			k.peer = st.Endpoints[ext].Name
		}
		f := index[k]
		if f == nil {
			f = &flow{key: k, ports: ps}
			index[k] = f
			flows = append(flows, f)
		}
		if k.peer == "" {
			f.set = append(f.set, ranges[ext-first])
		}
	}
	cur := st.Cursor()
	for n := range st.Nodes() {
		for _, t := range cur.Targets(n) {
			dst := int(t.Node)
			switch srcExt, dstExt := n >= first, dst >= first; {
			case srcExt && !dstExt && ours(st.Endpoints[dst].Name):
				add(dst, n, false, st.PortSets[t.Ports])
			case dstExt && !srcExt && ours(st.Endpoints[n].Name):
				add(n, dst, true, st.PortSets[t.Ports])
			}
		}
	}
	out := make([]enforcer.Connection, len(flows))
	for i, f := range flows {
		ext := f.peer
		if ext == "" {
			ext = f.set.Display(world)
		}
		c := enforcer.Connection{Src: ext, Dst: st.Endpoints[f.internal].Name, Ports: f.ports}
		if f.toExternal {
			c.Src, c.Dst = c.Dst, c.Src
		}
		out[i] = c
	}
	return out
}

// isolations are the selectors of a policy's isolations by namespace and
// direction, each converted once: a build summary asks for every workload.
type isolations map[isolationKey][]labels.Selector

type isolationKey struct {
	namespace string
	direction ir.Direction
}

func isolationIndex(p *ir.Policy) isolations {
	out := isolations{}
	for _, iso := range p.Isolations {
		sel, err := metav1.LabelSelectorAsSelector(&iso.Subject.Pods)
		if err != nil {
			continue
		}
		k := isolationKey{iso.Subject.Namespace, iso.Direction}
		out[k] = append(out[k], sel)
	}
	return out
}

// isolated reports whether an isolation of direction d selects w.
func (is isolations) isolated(w ir.Workload, d ir.Direction) bool {
	for _, sel := range is[isolationKey{w.Namespace, d}] {
		if sel.Matches(labels.Set(w.Labels)) {
			return true
		}
	}
	return false
}

// Print writes the summary in a few lines: a list longer than a
// screenful is folded (see foldFlows), since a build of thousands of
// workloads would otherwise print a line per flow (130,000 at 20,000
// workloads, each to the world).
func (s Summary) Print(w io.Writer) {
	fmt.Fprintf(w, "%d workloads: %d isolated for ingress, %d for egress", s.Workloads, s.IngressIsolated, s.EgressIsolated)
	switch {
	case len(s.Open) > 0 && s.Admin+s.Baseline > 0:
		// The counts are the teams' isolations; the platform layer may
		// still deny what no team policy isolates.
		fmt.Fprintf(w, "; isolated by no team policy (the platform layer decides for them): %s", shortList(s.Open))
	case len(s.Open) > 0:
		fmt.Fprintf(w, "; not isolated at all: %s", shortList(s.Open))
	}
	fmt.Fprintln(w)
	if s.Admin+s.Baseline > 0 {
		fmt.Fprintf(w, "platform layer: %d admin intent(s) decided before these policies, %d baseline intent(s) after them (the flows below count them)\n", s.Admin, s.Baseline)
	}
	if len(s.Undeclared) > 0 {
		s.printFlows(w, fmt.Sprintf("%d flow(s) of inventory workloads the intents do not declare (a Pod without owner is a workload of its own)", len(s.Undeclared)), s.Undeclared)
	}
	if len(s.External) == 0 {
		fmt.Fprintln(w, "no flows to or from outside the cluster's known pods")
		return
	}
	s.printFlows(w, fmt.Sprintf("%d flow(s) to or from outside the cluster's known pods", len(s.External)), s.External)
}

// shortListMax is how many names shortList prints.
const shortListMax = 20

// shortList joins names, the first shortListMax of them and a count of
// the rest.
func shortList(names []string) string {
	if len(names) <= shortListMax {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:shortListMax], ", ") + fmt.Sprintf(", +%d more", len(names)-shortListMax)
}

// printFlows writes head and the flows one a line, or, past a screenful
// (foldAbove), folded into rows and at most a screenful of them.
func (s Summary) printFlows(w io.Writer, head string, flows []enforcer.Connection) {
	if len(flows) <= foldAbove {
		fmt.Fprintln(w, head+":")
		for _, c := range flows {
			fmt.Fprintf(w, "  %s → %s: %s\n", CutName(c.Src), CutName(c.Dst), c.Ports)
		}
		return
	}
	rows := foldFlows(flows, s.namespaceOf)
	fmt.Fprintf(w, "%s, in %d row(s) by namespace and ports:\n", head, len(rows))
	for i, r := range rows {
		if i == foldAbove {
			fmt.Fprintf(w, "  … %d more row(s): `netpolc matrix` shows them, --full pair by pair\n", len(rows)-i)
			break
		}
		fmt.Fprintf(w, "  %s → %s: %s (%d)\n", r.src.String(), r.dst.String(), r.ports, r.flows)
	}
}

// flowRow is the flows between two sides with the same ports.
type flowRow struct {
	src, dst *flowSide
	ports    string
	flows    int
}

// flowSide is one end of a row: workloads of a namespace, or external
// peers.
type flowSide struct {
	namespace string // "" for an external peer
	names     []string
	seen      map[string]bool
}

func (f *flowSide) add(name string) {
	if !f.seen[name] {
		f.seen[name] = true
		if f.namespace == "" {
			name = CutName(name)
		}
		f.names = append(f.names, name)
	}
}

// String lists the side as `netpolc diff` and the folded matrix do:
// "shop/web", "shop/{web, app, +3 more}", "world".
func (f *flowSide) String() string {
	slices.SortFunc(f.names, enforcer.CompareNames)
	return NameGroup(f.namespace, f.names, len(f.names))
}

// maxNameBytes bounds an external peer's name in a folded row: a peer
// whose ranges are no CIDR with holes is named by all of them (the
// complement of 800 blocks is 800 ranges).
const maxNameBytes = 160

// CutName cuts a long external peer's name after its last range that
// fits in maxNameBytes: the human formats name a peer by its ranges, and
// an intents set of many blocks makes names of hundreds of them.
func CutName(name string) string {
	if len(name) <= maxNameBytes || strings.HasPrefix(name, "fqdn:") { // a DNS name is short enough whole
		return name
	}
	cut := strings.LastIndex(name[:maxNameBytes], ", ")
	if cut < 0 {
		cut = maxNameBytes
	}
	return name[:cut] + ", …"
}

// foldFlows groups flows by source side, destination side and ports (a
// side is a workload's namespace, or the external peers, which count as
// one namespace as in the folded matrix), in the order of each row's
// first flow (the flows' canonical order).
func foldFlows(flows []enforcer.Connection, namespaceOf map[string]string) []*flowRow {
	// A side is its namespace, or external (ext); the flows of one class
	// cell share their port set, so each set is formatted once.
	type side struct {
		ns  string
		ext bool
	}
	type key struct {
		src, dst side
		ports    string
	}
	sideOf := func(name string) side {
		ns, ok := namespaceOf[name]
		return side{ns, !ok}
	}
	newSide := func(name string) *flowSide {
		return &flowSide{namespace: namespaceOf[name], seen: map[string]bool{}}
	}
	portNames := portTexts{}
	index := map[key]*flowRow{}
	var rows []*flowRow
	for _, c := range flows {
		ports := portNames.of(c.Ports)
		k := key{sideOf(c.Src), sideOf(c.Dst), ports}
		r, ok := index[k]
		if !ok {
			r = &flowRow{src: newSide(c.Src), dst: newSide(c.Dst), ports: ports}
			index[k] = r
			rows = append(rows, r)
		}
		r.src.add(c.Src)
		r.dst.add(c.Dst)
		r.flows++
	}
	return rows
}

// portTexts formats each port set once: the flows of one class cell
// share their set (equal sets of different cells are formatted apart,
// alike).
type portTexts map[portset.Set]string

func (t portTexts) of(ps portset.Set) string {
	text, ok := t[ps]
	if !ok {
		text = ps.String()
		t[ps] = text
	}
	return text
}
