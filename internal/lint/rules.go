package lint

import (
	"net/netip"
	"reflect"
	"strconv"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/explain"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/netset"
	"github.com/netpolc/netpolc/internal/portset"
)

// shadowedRules: a rule whose peers and ports are all covered by one other
// rule of the same pods and direction adds nothing. Containment is decided
// syntactically and only where it is certain, so there are no false
// alarms; identical rules were already merged by the compiler.
func shadowedRules(in Input, out *diag.List) {
	groups := map[string][]ir.Rule{}
	var keys []string
	for _, r := range in.Compiled.Policy.Rules {
		k := r.Subject.Namespace + "/" + r.Subject.Name + "/" + string(r.Direction)
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], r)
	}
	for _, k := range keys {
		rules := groups[k]
		for i, a := range rules {
			for j, b := range rules {
				if i == j || a.Origin == b.Origin || !peerCovers(a.Subject.Namespace, b.Peer, a.Peer) || !portsCover(b.Ports, a.Ports) {
					continue
				}
				out.Warn(a.Origin.Pos, "", "remove it, or narrow the rule at "+b.Origin.String(),
					"this %s rule of %s/%s is redundant: the rule at %s already allows all of it",
					strings.ToLower(string(a.Direction)), a.Subject.Namespace, a.Subject.Name, b.Origin)
				break
			}
		}
	}
}

// peerCovers reports whether every address or pod of a is also in b (both
// seen from namespace ns).
func peerCovers(ns string, b, a ir.Peer) bool {
	switch {
	case b.Kind == ir.PeerAll:
		return true
	case a.Kind == ir.PeerAll || a.Kind == ir.PeerFQDN || b.Kind == ir.PeerFQDN:
		return false
	case isPodPeer(a) && isPodPeer(b):
		sameNS := reflect.DeepEqual(nsSelector(ns, a.Namespaces), nsSelector(ns, b.Namespaces))
		return sameNS && (b.Pods == nil || len(b.Pods.MatchLabels)+len(b.Pods.MatchExpressions) == 0 || reflect.DeepEqual(a.Pods, b.Pods))
	case len(a.CIDRs) > 0 && len(b.CIDRs) > 0:
		for _, ab := range a.CIDRs {
			if !blockCovered(ab, b.CIDRs) {
				return false
			}
		}
		return true
	}
	return false
}

// nsSelector spells out "the subject's own namespace" (nil) as the
// selector it means, so both spellings compare equal.
func nsSelector(ns string, sel *metav1.LabelSelector) *metav1.LabelSelector {
	if sel != nil {
		return sel
	}
	return &metav1.LabelSelector{MatchLabels: map[string]string{inventory.MetadataNameLabel: ns}}
}

// blockCovered: a's CIDR lies inside one of bs with none of its holes.
func blockCovered(a ir.IPBlock, bs []ir.IPBlock) bool {
	ap, err := netip.ParsePrefix(a.CIDR)
	if err != nil {
		return false
	}
	for _, b := range bs {
		bp, err := netip.ParsePrefix(b.CIDR)
		if err != nil || bp.Bits() > ap.Bits() || !bp.Contains(ap.Addr()) {
			continue
		}
		clear := true
		for _, e := range b.Except {
			if ep, err := netip.ParsePrefix(e); err != nil || ep.Overlaps(ap) {
				clear = false
			}
		}
		if clear {
			return true
		}
	}
	return false
}

// portsCover reports whether port list b allows every port of a (empty:
// every port). Named ports only cover the same name.
func portsCover(b, a []ir.Port) bool {
	if len(b) == 0 {
		return true
	}
	if len(a) == 0 {
		return false
	}
	bset, bnames := splitPorts(b)
	aset, anames := splitPorts(a)
	for n := range anames {
		if !bnames[n] {
			return false
		}
	}
	return aset.Subtract(bset).IsEmpty()
}

// splitPorts separates numeric ports (as a set) from named ones.
func splitPorts(ps []ir.Port) (portset.Set, map[string]bool) {
	set := portset.Empty()
	names := map[string]bool{}
	for _, p := range ps {
		proto, _ := portset.ParseProtocol(p.Protocol.String())
		switch {
		case p.Name != "":
			names[p.Protocol.String()+"/"+p.Name] = true
		case p.Number == 0:
			set = set.Union(portset.AllPorts(proto))
		case p.End > 0:
			set = set.Union(portset.PortRange(proto, p.Number, p.End))
		default:
			set = set.Union(portset.Port(proto, p.Number))
		}
	}
	return set, names
}

// ipBlocksOverPods: CNIs differ on whether an ipBlock matches pod
// traffic, so a block covering pods means different things on different
// clusters (netpolc's model matches pods with known IPs). A block whose
// except carves the pods out (0.0.0.0/0 except the pod CIDR) covers none.
func ipBlocksOverPods(in Input, out *diag.List) {
	var podNets []netip.Prefix
	for _, c := range in.Compiled.Policy.PodCIDRs {
		if p, err := netip.ParsePrefix(c); err == nil {
			podNets = append(podNets, p)
		}
	}
	for _, r := range in.Compiled.Policy.Rules {
		if r.Peer.Kind != ir.PeerCIDR {
			continue
		}
		for _, b := range r.Peer.CIDRs {
			block, err := netset.Block(b.CIDR, b.Except)
			if err != nil {
				continue
			}
			if what := coveredPods(block, podNets, in.Inventory); what != "" {
				out.Warn(r.Origin.Pos, "", "select pods with workload or namespace peers; keep ipBlocks for addresses outside the cluster (or carve the pods out with except)",
					"ipBlock %s covers %s: whether it matches pod traffic depends on the CNI", b.CIDR, what)
			}
		}
	}
}

func coveredPods(block netset.Set, podNets []netip.Prefix, inv inventory.Inventory) string {
	for _, n := range podNets {
		pr := netset.PrefixRange(n)
		for _, r := range block {
			if r.Overlaps(pr) {
				return "the pod network " + n.String()
			}
		}
	}
	for _, ep := range inv.Endpoints {
		for _, ip := range ep.IPs {
			if block.Contains(ip) {
				return "the IP " + ip.String() + " of " + ep.ID()
			}
		}
	}
	return ""
}

// destinations are the inventory endpoints a rule's ports resolve on: its
// subject's for ingress, its pod peer's for egress (none for other peers).
func destinations(in Input, r ir.Rule) []inventory.Endpoint {
	switch {
	case r.Direction == ir.Ingress:
		return subjectEndpoints(in.Inventory, r.Subject)
	case isPodPeer(r.Peer):
		return peerEndpoints(in.Inventory, r.Subject.Namespace, r.Peer)
	}
	return nil
}

// portsNotExposed: a numeric port that none of the destination workloads
// declares is probably a typo (only checked when they declare ports).
func portsNotExposed(in Input, out *diag.List) {
	for _, r := range in.Compiled.Policy.Rules {
		dsts := destinations(in, r)
		for _, p := range r.Ports {
			if p.Name != "" || p.Number == 0 || p.End > 0 || exposed(dsts, p) {
				continue
			}
			out.Warn(r.Origin.Pos, "", "check the port number, or declare the port on the workload",
				"no destination of this rule declares %s/%d", p.Protocol, p.Number)
		}
	}
}

// exposed reports whether some endpoint declares the port, or whether the
// endpoints declare no ports at all (nothing to compare against).
func exposed(eps []inventory.Endpoint, p ir.Port) bool {
	declared := false
	for _, ep := range eps {
		for _, np := range ep.Ports {
			declared = true
			if np.Port == p.Number && np.Protocol == p.Protocol {
				return true
			}
		}
	}
	return !declared
}

// expectations checks every `expect` against the model; a failed one is an
// error (vet and verify exit 1).
func expectations(in Input, out *diag.List) {
	for _, e := range in.Compiled.Policy.Expectations {
		ex, err := explain.Explain(in.Model, e.From, e.To, e.Port)
		if err != nil {
			out.Add(e.Pos(), "expect."+quoteLabel(e.Name), "from and to are \"namespace/workload\", \"namespace/svc/name\" or an IP; port is like \"TCP/5432\"", "cannot evaluate: %v", err)
			continue
		}
		if ex.Holds(e.Allowed) {
			continue
		}
		want, got := "denied", ex.State()
		if e.Allowed {
			want = "allowed"
		}
		out.Add(e.Pos(), "expect."+quoteLabel(e.Name), "run: netpolc explain "+e.From+" "+e.To+" "+e.Port,
			"expected %s → %s on %s to be %s, but it is %s", e.From, e.To, ex.Port, want, got)
	}
}

// quoteLabel writes a CUE label, quoted unless it is a plain identifier.
func quoteLabel(s string) string {
	for i, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return strconv.Quote(s)
		}
	}
	return s
}
