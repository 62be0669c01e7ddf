package render

import (
	"fmt"
	"io"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/ir"
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
}

// Summarize computes the summary from the IR and the intents' matrix.
func Summarize(p *ir.Policy, conn *enforcer.Connectivity) Summary {
	s := Summary{Workloads: len(p.Workloads)}
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
	for _, c := range conn.Connections {
		srcIP, dstIP := strings.HasPrefix(c.Src, "ip:"), strings.HasPrefix(c.Dst, "ip:")
		if !srcIP && !dstIP && ((in(c.Src) && !declared[c.Src]) || (in(c.Dst) && !declared[c.Dst])) {
			s.Undeclared = append(s.Undeclared, c)
		}
	}
	s.External = externalFlows(conn, in)
	return s
}

// externalFlows lists the view's pairs between an external peer and a
// workload for which ours holds.
func externalFlows(conn *enforcer.Connectivity, ours func(string) bool) []enforcer.Connection {
	st, err := enforcer.StreamOf(conn)
	if err != nil { // not in canonical order: the exact ranges, unmerged
		var out []enforcer.Connection
		for _, c := range conn.Connections {
			if (strings.HasPrefix(c.Src, "ip:") && ours(c.Dst)) || (strings.HasPrefix(c.Dst, "ip:") && ours(c.Src)) {
				out = append(out, c)
			}
		}
		return out
	}
	v := displayView(st)
	cur := v.cursor()
	var out []enforcer.Connection
	for n, src := range v.Endpoints {
		for _, t := range cur.Targets(n) {
			dst := v.Endpoints[t.Node]
			srcExt, dstExt := src.Kind == enforcer.KindExternal, dst.Kind == enforcer.KindExternal
			if (srcExt && ours(dst.Name)) || (dstExt && ours(src.Name)) {
				out = append(out, enforcer.Connection{Src: src.Name, Dst: dst.Name, Ports: v.PortSets[t.Ports]})
			}
		}
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

// Print writes the summary in a few lines.
func (s Summary) Print(w io.Writer) {
	fmt.Fprintf(w, "%d workloads: %d isolated for ingress, %d for egress", s.Workloads, s.IngressIsolated, s.EgressIsolated)
	switch {
	case len(s.Open) > 0 && s.Admin+s.Baseline > 0:
		// The counts are the teams' isolations; the platform layer may
		// still deny what no team policy isolates.
		fmt.Fprintf(w, "; isolated by no team policy (the platform layer decides for them): %s", strings.Join(s.Open, ", "))
	case len(s.Open) > 0:
		fmt.Fprintf(w, "; not isolated at all: %s", strings.Join(s.Open, ", "))
	}
	fmt.Fprintln(w)
	if s.Admin+s.Baseline > 0 {
		fmt.Fprintf(w, "platform layer: %d admin intent(s) decided before these policies, %d baseline intent(s) after them (the flows below count them)\n", s.Admin, s.Baseline)
	}
	if len(s.Undeclared) > 0 {
		fmt.Fprintf(w, "%d flow(s) of inventory workloads the intents do not declare (a Pod without owner is a workload of its own):\n", len(s.Undeclared))
		for _, c := range s.Undeclared {
			fmt.Fprintf(w, "  %s → %s: %s\n", c.Src, c.Dst, c.Ports)
		}
	}
	if len(s.External) == 0 {
		fmt.Fprintln(w, "no flows to or from outside the cluster's known pods")
		return
	}
	fmt.Fprintf(w, "%d flow(s) to or from outside the cluster's known pods:\n", len(s.External))
	for _, c := range s.External {
		fmt.Fprintf(w, "  %s → %s: %s\n", c.Src, c.Dst, c.Ports)
	}
}
