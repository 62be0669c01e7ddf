package kit

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"

	"github.com/netpolc/netpolc/internal/netset"

	"github.com/netpolc/netpolc/internal/portset"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
)

// Cluster is what an emitter knows about the cluster: the namespaces and
// workloads the IR declares together with the build's inventory (the real
// workloads and their pod IPs, when given). Emitters whose target differs
// from NetworkPolicy only for some pods (pod IPs inside a CIDR, named
// ports) check these workloads, the same ones the equivalence proof runs
// over.
type Cluster struct {
	nsLabels    map[string]labels.Set
	hostNetwork map[string]bool // "namespace/name" of host-network workloads
	// Workloads are every declared or inventoried workload, sorted by
	// namespace and name; a workload in both has the union of their pod
	// IPs.
	Workloads []ir.Workload
}

// NewCluster indexes the declarations of p and the endpoints of inv.
func NewCluster(p *ir.Policy, inv inventory.Inventory) *Cluster {
	c := &Cluster{nsLabels: map[string]labels.Set{}, hostNetwork: map[string]bool{}, Workloads: slices.Clone(p.Workloads)}
	for _, ns := range p.Namespaces {
		c.nsLabels[ns.Name] = labels.Set(ns.Labels)
	}
	for _, ns := range inv.Namespaces {
		if _, ok := c.nsLabels[ns.Name]; !ok {
			c.nsLabels[ns.Name] = labels.Set(ns.Labels)
		}
	}
	byID := map[string]int{}
	for i, w := range c.Workloads {
		byID[w.Namespace+"/"+w.Name] = i
	}
	for _, ep := range inv.Endpoints {
		i, ok := byID[ep.ID()]
		if !ok {
			i = len(c.Workloads)
			c.Workloads = append(c.Workloads, ir.Workload{Namespace: ep.Namespace, Name: ep.Name, Kind: ep.Kind,
				Labels: ep.Labels, Ports: ep.Ports, Origin: ir.Origin{Pos: ep.Source}})
			byID[ep.ID()] = i
		}
		c.hostNetwork[ep.ID()] = c.hostNetwork[ep.ID()] || ep.HostNetwork
		w := &c.Workloads[i]
		w.IPs = slices.Clone(w.IPs)
		for _, ip := range ep.IPs {
			if s := ip.String(); !slices.Contains(w.IPs, s) {
				w.IPs = append(w.IPs, s)
			}
		}
	}
	slices.SortFunc(c.Workloads, func(a, b ir.Workload) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	})
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
			i := slices.IndexFunc(blocks, func(b ir.IPBlock) bool { return inBlock(ip.Unmap(), b) })
			if i >= 0 {
				out = append(out, PodIP{Workload: w, IP: ip.Unmap(), Block: blocks[i]})
				break
			}
		}
	}
	return out
}

// inBlock reports whether ip lies in b's CIDR and in none of its holes.
func inBlock(ip netip.Addr, b ir.IPBlock) bool {
	set, err := netset.Block(b.CIDR, b.Except)
	return err == nil && set.Contains(ip)
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

// HostNetwork reports whether a workload's pods share their node's
// network namespace (an inventory endpoint with spec.hostNetwork).
func (c *Cluster) HostNetwork(w ir.Workload) bool { return c.hostNetwork[w.Namespace+"/"+w.Name] }

// HostNetworkSelected returns the first host-network workload that peer p
// selects from namespace ns (in Selected's order).
func (c *Cluster) HostNetworkSelected(ns string, p ir.Peer) (ir.Workload, bool) {
	for _, w := range c.Selected(ns, p) {
		if c.HostNetwork(w) {
			return w, true
		}
	}
	return ir.Workload{}, false
}

// HostNetworkSubject returns the first host-network workload a subject
// selects.
func (c *Cluster) HostNetworkSubject(s ir.Subject) (ir.Workload, bool) {
	pods := s.Pods
	return c.HostNetworkSelected(s.Namespace, ir.Peer{Kind: ir.PeerPods, Pods: &pods})
}

// HostNetworkSubjectError is the error for a subject that selects a
// host-network pod, which the target's policies never apply to (seenAs
// says how the target sees it instead), so it would stay open: wider than
// the intents, which no approximation narrows. It is nil when the
// subject selects none.
func (c *Cluster) HostNetworkSubjectError(s ir.Subject, seenAs, hint string, unsupported error) error {
	w, ok := c.HostNetworkSubject(s)
	if !ok {
		return nil
	}
	return Hinted(fmt.Errorf("selects host-network pod %s/%s, %s, so it would stay open: %w", w.Namespace, w.Name, seenAs, unsupported), hint)
}
