package adminpolicy

import (
	"net/netip"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/netpolc/netpolc/compiler/ir"
	"github.com/netpolc/netpolc/inventory"
)

// cluster is what the IR declares about the cluster: namespaces and
// workloads. Where the admin API differs from NetworkPolicy only for some
// pods (named ports match any protocol; networks rules take no named port,
// while an ipBlock with a named port matches pods with known IPs), the
// emitter checks the declared workloads; the equivalence check over the
// real inventory (enforcer) covers the rest.
type cluster struct {
	nsLabels  map[string]labels.Set
	workloads []ir.Workload
}

func newCluster(p *ir.Policy) *cluster {
	c := &cluster{nsLabels: map[string]labels.Set{}, workloads: p.Workloads}
	for _, ns := range p.Namespaces {
		c.nsLabels[ns.Name] = labels.Set(ns.Labels)
	}
	return c
}

// namespaceLabels are the labels of a namespace, synthesised when the IR
// does not declare it.
func (c *cluster) namespaceLabels(ns string) labels.Set {
	if l, ok := c.nsLabels[ns]; ok {
		return l
	}
	return labels.Set{inventory.MetadataNameLabel: ns}
}

// selected returns the declared workloads a pod peer selects, seen from a
// subject in namespace ns. Invalid selectors select nothing (Build reports
// them).
func (c *cluster) selected(ns string, p ir.Peer) []ir.Workload {
	if p.Kind == ir.PeerAll {
		return c.workloads
	}
	pods, err := selectorOf(p.Pods)
	if err != nil {
		return nil
	}
	var nsSel labels.Selector
	if p.Namespaces != nil {
		if nsSel, err = selectorOf(p.Namespaces); err != nil {
			return nil
		}
	}
	var out []ir.Workload
	for _, w := range c.workloads {
		inNS := w.Namespace == ns
		if nsSel != nil {
			inNS = nsSel.Matches(c.namespaceLabels(w.Namespace))
		}
		if inNS && pods.Matches(labels.Set(w.Labels)) {
			out = append(out, w)
		}
	}
	return out
}

// selectorOf compiles a selector; nil selects everything.
func selectorOf(sel *metav1.LabelSelector) (labels.Selector, error) {
	if sel == nil {
		return labels.Everything(), nil
	}
	return metav1.LabelSelectorAsSelector(sel)
}

// withIPIn returns the declared workloads with a known pod IP inside one
// of the blocks (outside their holes).
func (c *cluster) withIPIn(blocks []ir.IPBlock) []ir.Workload {
	var out []ir.Workload
	for _, w := range c.workloads {
		if slices.ContainsFunc(w.IPs, func(s string) bool {
			ip, err := netip.ParseAddr(s)
			return err == nil && slices.ContainsFunc(blocks, func(b ir.IPBlock) bool { return inBlock(ip.Unmap(), b) })
		}) {
			out = append(out, w)
		}
	}
	return out
}

// inBlock reports whether ip lies in b's CIDR and in none of its holes.
func inBlock(ip netip.Addr, b ir.IPBlock) bool {
	p, err := netip.ParsePrefix(b.CIDR)
	if err != nil || !p.Contains(ip) {
		return false
	}
	for _, e := range b.Except {
		if h, err := netip.ParsePrefix(e); err == nil && h.Contains(ip) {
			return false
		}
	}
	return true
}

// otherProtocol returns a workload among ws that declares a port called
// name with a protocol other than proto, or false.
func otherProtocol(ws []ir.Workload, name string, proto ir.Protocol) (ir.Workload, bool) {
	for _, w := range ws {
		for _, p := range w.Ports {
			if p.Name == name && p.Protocol != proto {
				return w, true
			}
		}
	}
	return ir.Workload{}, false
}

// declares reports whether w has a port called name with protocol proto.
func declares(w ir.Workload, name string, proto ir.Protocol) bool {
	for _, p := range w.Ports {
		if p.Name == name && p.Protocol == proto {
			return true
		}
	}
	return false
}
