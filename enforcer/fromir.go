package enforcer

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/netpolc/netpolc/internal/netset"

	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/portset"
)

// FromIR normalises the compiled intents directly, without any emitter, so
// the intents' own connectivity can be checked against the emitted
// objects'.
//
//   - Each Isolation isolates its subject in its direction (NetworkPolicy
//     tier). Rules never isolate on their own: the IR promises an Isolation
//     for every subject with a rule, and a rule without one is reported as
//     open, so an emitter that isolates anyway shows up in the equivalence
//     check.
//   - Allow rules are NetworkPolicy-tier allows. Deny rules are Admin-tier
//     denies (only admin targets can express them, and they override
//     NetworkPolicy allows there). Pass rules are ErrUnsupported: the IR
//     has no tiers to pass between.
//   - Peers: PeerAll is everything (every pod and address); pod peers
//     (pods, workload, dns) use Namespaces nil = the subject's namespace and
//     Pods nil = every pod; CIDR peers are ipBlocks with except; PeerWorld
//     is its CIDRs, or 0.0.0.0/0 and ::/0 when none are given; FQDN peers
//     (egress only) match the DNS-name endpoints their pattern matches
//     (fqdn.go).
//   - Cluster policies (the platform layer) are policies of kind
//     PlatformIntent in the admin or baseline layer, with their priority
//     and their rules in order (fromir_cluster.go).
//
// Every Isolation and Rule becomes its own policy of kind Intent, named
// after its subject, whose Origin is the IR origin.
func FromIR(p *ir.Policy) (Policies, error) {
	var out Policies
	var e errs
	for i, iso := range p.Isolations {
		ref := irRef(iso.Subject, iso.Origin, LayerNetworkPolicy)
		subject, err := inNamespace(iso.Subject.Namespace, &iso.Subject.Pods)
		if err != nil {
			e.add(ref, fmt.Sprintf("isolations[%d].subject", i), err)
			continue
		}
		pol := &policy{ref: ref, subject: subject}
		pol.isolates[dirOf(iso.Direction)] = true
		out.list = append(out.list, pol)
	}
	for i, r := range p.Rules {
		if pol := irRule(i, r, &e); pol != nil {
			out.list = append(out.list, pol)
		}
	}
	for i, cp := range p.Cluster {
		if pol := irClusterPolicy(i, cp, &e); pol != nil {
			out.list = append(out.list, pol)
		}
	}
	return out, e.err()
}

func irRef(s ir.Subject, o ir.Origin, layer Layer) PolicyRef {
	return PolicyRef{
		Kind: KindIntent, Namespace: s.Namespace, Name: s.Name, Layer: layer,
		Source: o.Pos, Origin: o.String(),
	}
}

func dirOf(d ir.Direction) dir {
	if d == ir.Egress {
		return dEgress
	}
	return dIngress
}

func irRule(i int, r ir.Rule, e *errs) *policy {
	field := fmt.Sprintf("rules[%d]", i)
	ref := irRef(r.Subject, r.Origin, LayerNetworkPolicy)
	switch r.Action {
	case ir.Allow, "":
	case ir.Deny:
		ref.Layer = LayerAdmin
	default:
		e.add(ref, field+".action", fmt.Errorf("%w: action %q in the IR", ErrUnsupported, r.Action))
		return nil
	}
	subject, err := inNamespace(r.Subject.Namespace, &r.Subject.Pods)
	if err != nil {
		e.add(ref, field+".subject", err)
		return nil
	}
	d := dirOf(r.Direction)
	if r.Peer.Kind == ir.PeerFQDN && d != dEgress {
		e.add(ref, field+".peer", fmt.Errorf("%w: FQDN peer %q on ingress (a DNS name is a destination only)", ErrInvalid, r.Peer.FQDN))
		return nil
	}
	pe, ports, ok := irPeerPorts(r.Subject.Namespace, r.Peer, r.Ports, ref, field, e)
	if !ok {
		return nil
	}
	action := r.Action
	if action == "" {
		action = ir.Allow
	}
	rr := RuleRef{Policy: ref, Direction: d.ir(), Index: i, Action: action, Origin: ref.Origin}
	pol := &policy{ref: ref, subject: subject}
	pol.rules[d] = []*rule{{ref: rr, peers: []peer{pe}, ports: ports}}
	return pol
}

// irPeer converts one IR peer.
func irPeer(ns string, p ir.Peer) (peer, error) {
	switch p.Kind {
	case ir.PeerAll:
		return peer{kind: peerAll}, nil
	case ir.PeerPods, ir.PeerWorkload, ir.PeerDNS:
		var sel podSelector
		var err error
		if p.Namespaces == nil {
			sel, err = inNamespace(ns, p.Pods)
		} else {
			sel, err = acrossNamespaces(p.Namespaces, p.Pods)
		}
		return peer{kind: peerPods, pods: sel}, err
	case ir.PeerCIDR, ir.PeerWorld:
		return irBlocks(p)
	case ir.PeerFQDN:
		f, err := parseFQDN(p.FQDN)
		return peer{kind: peerFQDN, fqdn: f}, err
	}
	return peer{}, fmt.Errorf("%w: unknown peer kind %q", ErrInvalid, p.Kind)
}

func irBlocks(p ir.Peer) (peer, error) {
	blocks := p.CIDRs
	if len(blocks) == 0 && p.Kind == ir.PeerWorld {
		blocks = []ir.IPBlock{{CIDR: "0.0.0.0/0"}, {CIDR: "::/0"}}
	}
	if len(blocks) == 0 {
		return peer{}, fmt.Errorf("%w: CIDR peer without blocks", ErrInvalid)
	}
	var all netset.Set
	for _, b := range blocks {
		set, err := blockSet(b.CIDR, b.Except)
		if err != nil {
			return peer{}, err
		}
		for _, r := range set {
			all = all.Union(r)
		}
	}
	return peer{kind: peerBlock, block: all}, nil
}

// irPorts converts IR ports; none means every port and protocol.
func irPorts(ports []ir.Port) (portSpec, error) {
	if len(ports) == 0 {
		return allPorts(), nil
	}
	var spec portSpec
	var problems []error
	for _, p := range ports {
		proto, ok := portProtocol(p.Protocol)
		var err error
		if !ok {
			err = fmt.Errorf("unknown protocol %v", p.Protocol)
		}
		last := max(p.End, p.Number)
		switch {
		case err != nil:
			problems = append(problems, err)
		case p.Name != "":
			spec.named = append(spec.named, namedRef{name: p.Name, proto: proto})
		case p.Number == 0:
			spec.fixed = spec.fixed.Union(portset.AllPorts(proto))
		case !validRange(p.Number, last):
			problems = append(problems, fmt.Errorf("bad port range %d-%d", p.Number, last))
		default:
			spec.fixed = spec.fixed.Union(portset.PortRange(proto, p.Number, last))
		}
	}
	return spec, errors.Join(problems...)
}

// InventoryFromIR builds the inventory of the intents' own declared
// namespaces and workloads. Unparseable IPs are skipped.
func InventoryFromIR(p *ir.Policy) inventory.Inventory {
	var inv inventory.Inventory
	for _, ns := range p.Namespaces {
		inv.Namespaces = append(inv.Namespaces, inventory.Namespace{
			Name: ns.Name, Labels: ns.Labels,
			Source: ns.Origin.Pos,
		})
	}
	for _, w := range p.Workloads {
		ep := inventory.Endpoint{
			Namespace: w.Namespace, Name: w.Name, Kind: w.Kind, Labels: w.Labels, Ports: w.Ports,
			Source: w.Origin.Pos,
		}
		for _, s := range w.IPs {
			if a, err := netip.ParseAddr(s); err == nil {
				ep.IPs = append(ep.IPs, a)
			}
		}
		inv.Endpoints = append(inv.Endpoints, ep)
	}
	inv.Sort()
	return inv
}

// irPeerPorts normalises a rule's peer (ns: the subject's namespace, ""
// for a cluster-wide rule) and ports, reporting problems at field.
func irPeerPorts(ns string, p ir.Peer, ports []ir.Port, ref PolicyRef, field string, e *errs) (peer, portSpec, bool) {
	pe, err := irPeer(ns, p)
	if err != nil {
		e.add(ref, field+".peer", err)
		return peer{}, portSpec{}, false
	}
	ps, err := irPorts(ports)
	if err != nil {
		e.add(ref, field+".ports", err)
		return peer{}, portSpec{}, false
	}
	return pe, ps, true
}
