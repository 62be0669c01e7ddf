// Package declared answers what the IR declares about the cluster — its
// namespaces and workloads — for emitters whose target differs from
// NetworkPolicy only for some pods (pod IPs inside a CIDR, named ports):
// they check the declared workloads, and the equivalence check over the
// real inventory covers the rest.
package declared

import (
	"net/netip"
	"slices"

	"github.com/netpolc/netpolc/internal/portset"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
)

// Cluster is the IR's declared namespaces and workloads.
type Cluster struct {
	nsLabels map[string]labels.Set
	// Workloads are every declared workload.
	Workloads []ir.Workload
}

// New indexes the declarations of p.
func New(p *ir.Policy) *Cluster {
	c := &Cluster{nsLabels: map[string]labels.Set{}, Workloads: p.Workloads}
	for _, ns := range p.Namespaces {
		c.nsLabels[ns.Name] = labels.Set(ns.Labels)
	}
	return c
}

// NamespaceLabels are the labels of a namespace, synthesised when the IR
// does not declare it.
func (c *Cluster) NamespaceLabels(ns string) labels.Set {
	if l, ok := c.nsLabels[ns]; ok {
		return l
	}
	return labels.Set{inventory.MetadataNameLabel: ns}
}

// Selected returns the declared workloads a pod peer selects, seen from a
// subject in namespace ns (every workload for PeerAll). Invalid selectors
// select nothing: the emitters report them.
func (c *Cluster) Selected(ns string, p ir.Peer) []ir.Workload {
	if p.Kind == ir.PeerAll {
		return c.Workloads
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
	for _, w := range c.Workloads {
		inNS := w.Namespace == ns
		if nsSel != nil {
			inNS = nsSel.Matches(c.NamespaceLabels(w.Namespace))
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

// PodIP is a declared pod IP and the block it lies in.
type PodIP struct {
	Workload ir.Workload
	IP       netip.Addr
	Block    ir.IPBlock
}

// IPsIn returns, per declared workload with a pod IP inside one of the
// blocks (outside their holes), the first such IP.
func (c *Cluster) IPsIn(blocks []ir.IPBlock) []PodIP {
	var out []PodIP
	for _, w := range c.Workloads {
		for _, s := range w.IPs {
			ip, err := netip.ParseAddr(s)
			if err != nil {
				continue
			}
			i := slices.IndexFunc(blocks, func(b ir.IPBlock) bool { return InBlock(ip.Unmap(), b) })
			if i >= 0 {
				out = append(out, PodIP{Workload: w, IP: ip.Unmap(), Block: blocks[i]})
				break
			}
		}
	}
	return out
}

// InBlock reports whether ip lies in b's CIDR and in none of its holes.
func InBlock(ip netip.Addr, b ir.IPBlock) bool {
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

// PortNumbers lists the (number, protocol) pairs the declared workloads
// give a port name.
func (c *Cluster) PortNumbers(name string) map[ir.NamedPort]bool {
	out := map[ir.NamedPort]bool{}
	for _, w := range c.Workloads {
		for _, p := range w.Ports {
			if p.Name == name {
				out[ir.NamedPort{Port: p.Port, Protocol: p.Protocol}] = true
			}
		}
	}
	return out
}

// Declares reports whether w has a port called name with protocol proto.
func Declares(w ir.Workload, name string, proto portset.Protocol) bool {
	return slices.ContainsFunc(w.Ports, func(p ir.NamedPort) bool { return p.Name == name && p.Protocol == proto })
}
