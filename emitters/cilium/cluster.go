package cilium

import (
	"fmt"
	"net/netip"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/netpolc/netpolc/compiler/ir"
	"github.com/netpolc/netpolc/inventory"
)

// cluster is what the IR declares about the cluster: namespaces and
// workloads. Where Cilium's semantics differ from NetworkPolicy's only for
// some pods (pod IPs inside a CIDR, egress named ports), the emitter checks
// the declared workloads; the equivalence check over the real inventory
// (enforcer) covers the rest.
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

// podIPIn returns a description of the first declared pod IP inside one of
// the blocks (outside their holes), or "" when there is none.
func (c *cluster) podIPIn(blocks []ir.IPBlock) string {
	for _, w := range c.workloads {
		for _, s := range w.IPs {
			ip, err := netip.ParseAddr(s)
			if err != nil {
				continue
			}
			for _, b := range blocks {
				if inBlock(ip.Unmap(), b) {
					return fmt.Sprintf("cidr %s contains %s, a pod IP of workload %s/%s", b.CIDR, ip, w.Namespace, w.Name)
				}
			}
		}
	}
	return ""
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

// portNumbers lists the (number, protocol) pairs the declared workloads
// give a port name.
func (c *cluster) portNumbers(name string) map[ir.NamedPort]bool {
	out := map[ir.NamedPort]bool{}
	for _, w := range c.workloads {
		for _, p := range w.Ports {
			if p.Name == name {
				out[ir.NamedPort{Port: p.Port, Protocol: p.Protocol}] = true
			}
		}
	}
	return out
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
