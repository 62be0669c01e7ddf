package compiler

import (
	"net/netip"
	"strings"

	"cuelang.org/go/cue"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
)

// rule compiles one ingress or egress rule into one IR rule per peer.
func (c *compiler) rule(subject ir.Subject, dir ir.Direction, end string, v *node, via ir.Origin) {
	allowed := ingressFields
	if dir == ir.Egress {
		allowed = egressFields
	}
	m, ok := c.members(v, allowed, via)
	if !ok {
		return
	}
	pv, _ := m[end].Default()
	if pv.IncompleteKind() != cue.ListKind {
		c.errorAt(pv, via, "write a list of peers, e.g. [{workload: \"web\"}]", "`%s` must be a list of peers", end)
		return
	}
	if n := pv.length(); n == 0 {
		c.errorAt(pv, via, "write [{all: true}] to allow every peer, or remove the rule to allow none",
			"an empty `%s` list is ambiguous (NetworkPolicy reads it as \"everyone\")", end)
		return
	}
	var ports []ir.Port
	if portsV := m["ports"]; portsV.Exists() {
		if n := portsV.length(); n == 0 {
			c.errorAt(portsV, via, "omit `ports` to allow every port", "an empty `ports` list is ambiguous")
			return
		}
		var ok bool
		if ports, ok = c.ports(portsV, via); !ok {
			return
		}
	}
	c.elems(pv, func(_ int, peerV *node) {
		if !c.countRule(peerV, via) {
			return
		}
		peer, ok := c.peer(subject.Namespace, peerV, via)
		if !ok {
			return
		}
		if peer.Kind == ir.PeerFQDN && dir == ir.Ingress {
			c.errorAt(peerV, via, "a DNS name can only be an egress destination (`egress: [{to: [{fqdn: ...}]}]`); to admit traffic from outside the cluster, use a cidr or world peer",
				"fqdn peer %q in an ingress rule", peer.FQDN)
			return
		}
		if peer.Kind == ir.PeerWorkload && dir == ir.Egress {
			w, _ := c.declaredWorkload(peer.Ref)
			c.checkNamedPorts(ports, w, peerV, via)
		}
		c.out.Rules = append(c.out.Rules, ir.Rule{
			Subject: subject, Direction: dir, Peer: peer, Ports: ports,
			Action: ir.Allow, Origin: c.origin(peerV, via),
		})
	})
	if dir == ir.Ingress {
		if w, ok := c.declaredWorkload(subject.Namespace + "/" + subject.Name); ok {
			c.checkNamedPorts(ports, w, v, via)
		}
	}
}

// checkNamedPorts rejects a named port the destination workload lacks: the
// rule would silently match nothing for it.
func (c *compiler) checkNamedPorts(ports []ir.Port, w *ir.Workload, v *node, via ir.Origin) {
	if w == nil {
		return
	}
	for _, p := range ports {
		if p.Name == "" {
			continue
		}
		found := false
		for _, np := range w.Ports {
			found = found || (np.Name == p.Name && np.Protocol == p.Protocol)
		}
		if !found {
			c.errorAt(v, via, "declare it under `ports` of workload "+w.Name+", or use a port number",
				"workload %s/%s has no %s port named %q", w.Namespace, w.Name, p.Protocol, p.Name)
		}
	}
}

// peerFields are the peer kinds; exactly one may be set (podSelector may
// join namespace or namespaceSelector).
var peerFields = []string{"workload", "namespace", "namespaceSelector", "podSelector", "cidr", "world", "dns", "all", "fqdn"}

// peer compiles one peer of a rule whose subject lives in ns.
func (c *compiler) peer(ns string, v *node, via ir.Origin) (ir.Peer, bool) {
	m, ok := c.members(v, peerFieldSet, via)
	if !ok {
		return ir.Peer{}, false
	}
	var set []string
	for _, f := range peerFields {
		if _, ok := m[f]; ok {
			set = append(set, f)
		}
	}
	key := strings.Join(set, "+")
	_, hasExcept := m["except"]
	if key != "cidr" && key != "" && hasExcept {
		c.errorAt(v, via, "except only carves holes in a cidr peer", "except is set on a %s peer", key)
		return ir.Peer{}, false
	}
	switch key {
	case "workload":
		return c.workloadPeer(ns, v, via)
	case "namespace", "namespace+podSelector":
		name, _ := strOf(m["namespace"])
		return c.podPeer(&metav1.LabelSelector{MatchLabels: map[string]string{inventory.MetadataNameLabel: name}}, v, via)
	case "namespaceSelector", "namespaceSelector+podSelector":
		nsSel, ok := c.selector(m["namespaceSelector"], via)
		if !ok {
			return ir.Peer{}, false
		}
		return c.podPeer(nsSel, v, via)
	case "podSelector":
		return c.podPeer(nil, v, via)
	case "cidr":
		return c.cidrPeer(v, via)
	case "world":
		return ir.Peer{Kind: ir.PeerWorld, CIDRs: []ir.IPBlock{{CIDR: "0.0.0.0/0"}, {CIDR: "::/0"}}}, true
	case "dns":
		return c.out.DNS, true
	case "all":
		return ir.Peer{Kind: ir.PeerAll}, true
	case "fqdn":
		return c.fqdnPeer(v, via)
	case "":
		if hasExcept {
			c.errorAt(v, via, "write {cidr: \"10.0.0.0/8\", except: [...]}", "except needs a cidr")
		} else {
			c.errorAt(v, via, "set one of "+strings.Join(peerFields, ", "), "empty peer")
		}
		return ir.Peer{}, false
	}
	c.errorAt(v, via, "split it into separate peers (a list of peers is OR); only podSelector combines with namespace or namespaceSelector (AND)",
		"a peer sets %s", strings.Join(set, " and "))
	return ir.Peer{}, false
}

// workloadPeer resolves "name" or "namespace/name".
func (c *compiler) workloadPeer(ns string, v *node, via ir.Origin) (ir.Peer, bool) {
	ref, _ := str(v, "workload")
	wns, wname := ns, ref
	if i := strings.IndexByte(ref, '/'); i >= 0 {
		wns, wname = ref[:i], ref[i+1:]
	}
	w, ok := c.declaredWorkload(wns + "/" + wname)
	if !ok {
		c.errorAt(get(v, "workload"), via, c.workloadHint(wns),
			"peer names workload %q, which is not declared in namespace %q", wname, wns)
		return ir.Peer{}, false
	}
	p := ir.Peer{Kind: ir.PeerWorkload, Pods: &metav1.LabelSelector{MatchLabels: w.Labels}, Ref: wns + "/" + wname}
	if wns != ns {
		p.Namespaces = &metav1.LabelSelector{MatchLabels: map[string]string{inventory.MetadataNameLabel: wns}}
	}
	return p, true
}

// podPeer builds a namespace(+pod) selector peer.
func (c *compiler) podPeer(nsSel *metav1.LabelSelector, v *node, via ir.Origin) (ir.Peer, bool) {
	p := ir.Peer{Kind: ir.PeerPods, Namespaces: nsSel}
	if pv := get(v, "podSelector"); pv.Exists() {
		sel, ok := c.selector(pv, via)
		if !ok {
			return ir.Peer{}, false
		}
		p.Pods = sel
	}
	return p, true
}

// cidrPeer validates a CIDR and its holes.
func (c *compiler) cidrPeer(v *node, via ir.Origin) (ir.Peer, bool) {
	cv := get(v, "cidr")
	s, _ := cv.String()
	prefix, ok := c.prefix(s, cv, via)
	if !ok {
		return ir.Peer{}, false
	}
	block := ir.IPBlock{CIDR: prefix.String()}
	good := true
	c.elems(get(v, "except"), func(_ int, ev *node) {
		es, _ := ev.String()
		hole, ok := c.prefix(es, ev, via)
		switch {
		case !ok:
			good = false
		case hole.Addr().Is4() != prefix.Addr().Is4() || hole.Bits() <= prefix.Bits() || !prefix.Contains(hole.Addr()):
			c.errorAt(ev, via, "each except must be a smaller block inside "+block.CIDR,
				"except %s is not inside cidr %s", hole, prefix)
			good = false
		default:
			block.Except = append(block.Except, hole.String())
		}
	})
	return ir.Peer{Kind: ir.PeerCIDR, CIDRs: []ir.IPBlock{block}}, good
}

// prefix parses a canonical CIDR.
func (c *compiler) prefix(s string, v *node, via ir.Origin) (netip.Prefix, bool) {
	p, err := netip.ParsePrefix(s)
	if err != nil {
		c.errorAt(v, via, "write an address block such as 203.0.113.0/24 or 2001:db8::/32", "invalid CIDR %q", s)
		return p, false
	}
	if p.Addr().Is4In6() {
		hint := "write the IPv4 CIDR"
		if p.Bits() >= 96 {
			hint += ": " + netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96).Masked().String()
		}
		c.errorAt(v, via, hint+"; the Kubernetes API and CNIs do not accept IPv4-mapped IPv6 blocks",
			"CIDR %q is an IPv4-mapped IPv6 address", s)
		return p, false
	}
	if p.Masked() != p {
		c.errorAt(v, via, "did you mean "+p.Masked().String()+"?", "CIDR %q has host bits set", s)
		return p, false
	}
	return p, true
}

// fqdnPeer validates a DNS name. A leading "*." matches exactly one label
// (Cilium's matchPattern: "*.example.com" matches api.example.com, not
// example.com nor a.b.example.com).
func (c *compiler) fqdnPeer(v *node, via ir.Origin) (ir.Peer, bool) {
	name, _ := str(v, "fqdn")
	if errs := validation.IsDNS1123Subdomain(strings.TrimPrefix(name, "*.")); len(errs) > 0 {
		c.errorAt(v, via, "write a DNS name such as api.example.com or *.example.com", "invalid fqdn %q", name)
		return ir.Peer{}, false
	}
	return ir.Peer{Kind: ir.PeerFQDN, FQDN: name}, true
}
