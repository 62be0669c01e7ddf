package nftables_test

import (
	"fmt"
	"math/rand/v2"
	"net/netip"

	"github.com/netpolc/netpolc/internal/portset"

	"github.com/netpolc/netpolc/internal/diag"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
)

// generate makes a random valid IR and an inventory with an IP for every
// endpoint: IPv4 only, dual-stack, or a mix, sometimes several pods (IPs)
// per workload. Every rule's subject and direction has an isolation, as
// the compiler guarantees. withDeny adds deny rules (admin targets only).
func generate(seed uint64, withDeny bool) (*ir.Policy, inventory.Inventory) {
	r := rand.New(rand.NewPCG(seed, 0x6e6674))
	g := &gen{r: r}
	inv := g.inventory()
	p := &ir.Policy{}
	for _, ns := range inv.Namespaces {
		p.Namespaces = append(p.Namespaces, ir.Namespace{Name: ns.Name, Labels: ns.Labels})
	}
	type subjDir struct {
		s ir.Subject
		d ir.Direction
	}
	var isolated []subjDir
	for i := range 1 + r.IntN(4) {
		s := ir.Subject{Namespace: g.nsName(), Pods: *g.selector(), Name: fmt.Sprintf("s%d", i)}
		for _, d := range g.directions() {
			isolated = append(isolated, subjDir{s, d})
			p.Isolations = append(p.Isolations, ir.Isolation{Subject: s, Direction: d, Origin: g.origin()})
		}
	}
	for range r.IntN(8) {
		sd := isolated[r.IntN(len(isolated))]
		p.Rules = append(p.Rules, ir.Rule{Subject: sd.s, Direction: sd.d, Peer: g.peer(),
			Ports: g.ports(), Action: ir.Allow, Origin: g.origin()})
	}
	if withDeny {
		for i := range r.IntN(3) {
			s := ir.Subject{Namespace: g.nsName(), Pods: *g.selector(), Name: fmt.Sprintf("d%d", i)}
			p.Rules = append(p.Rules, ir.Rule{Subject: s, Direction: g.directions()[0], Peer: g.peer(),
				Ports: g.ports(), Action: ir.Deny, Origin: g.origin()})
		}
	}
	return p, inv
}

type gen struct {
	r    *rand.Rand
	line int
	nss  int
}

func (g *gen) pick(options ...string) string { return options[g.r.IntN(len(options))] }

func (g *gen) origin() ir.Origin {
	g.line++
	return ir.Origin{Pos: diag.Pos{File: "intents/gen.cue", Line: g.line, Col: 3}}
}

func (g *gen) nsName() string { return fmt.Sprintf("ns%d", g.r.IntN(g.nss)) }

func (g *gen) inventory() inventory.Inventory {
	var inv inventory.Inventory
	g.nss = 2 + g.r.IntN(3)
	stack := g.r.IntN(3) // 0 IPv4, 1 dual-stack, 2 mixed
	for n := range g.nss {
		ns := fmt.Sprintf("ns%d", n)
		inv.Namespaces = append(inv.Namespaces, inventory.Namespace{Name: ns,
			Labels: map[string]string{inventory.MetadataNameLabel: ns, "env": g.pick("prod", "dev")}})
		for w := range 1 + g.r.IntN(4) {
			ep := inventory.Endpoint{Namespace: ns, Name: fmt.Sprintf("w%d", w), Kind: "Deployment",
				Labels: map[string]string{"app": g.pick("a", "b", "c"), "tier": g.pick("web", "db")}}
			ep.Ports = []ir.NamedPort{
				{Name: "dns", Port: 53, Protocol: portset.ProtocolNamed(g.pick("UDP", "TCP"))},
				{Name: "http", Port: int32(80 + g.r.IntN(2)*8000), Protocol: portset.TCP},
			}
			if g.r.IntN(3) == 0 {
				ep.Ports = append(ep.Ports, ir.NamedPort{Name: "metrics", Port: 9090, Protocol: portset.TCP})
			}
			for pod := range 1 + g.r.IntN(2) {
				ep.IPs = append(ep.IPs, netip.AddrFrom4([4]byte{10, byte(n), byte(pod), byte(w + 1)}))
				if stack == 1 || (stack == 2 && w%2 == 1) {
					ep.IPs = append(ep.IPs, netip.MustParseAddr(fmt.Sprintf("fd00:%d::%d:%d", n, pod, w+1)))
				}
			}
			inv.Endpoints = append(inv.Endpoints, ep)
		}
	}
	return inv
}

func (g *gen) directions() []ir.Direction {
	switch g.r.IntN(3) {
	case 0:
		return []ir.Direction{ir.Ingress}
	case 1:
		return []ir.Direction{ir.Egress}
	}
	return []ir.Direction{ir.Ingress, ir.Egress}
}

func (g *gen) selector() *metav1.LabelSelector {
	switch g.r.IntN(4) {
	case 0:
		return &metav1.LabelSelector{}
	case 1:
		return &metav1.LabelSelector{MatchLabels: map[string]string{"app": g.pick("a", "b", "c")}}
	case 2:
		return &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
			{Key: "tier", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"db"}}}}
	}
	return &metav1.LabelSelector{MatchLabels: map[string]string{"tier": g.pick("web", "db")}}
}

func (g *gen) peer() ir.Peer {
	switch g.r.IntN(8) {
	case 0:
		return ir.Peer{Kind: ir.PeerAll}
	case 1:
		return ir.Peer{Kind: ir.PeerPods, Pods: g.selector()}
	case 2:
		return ir.Peer{Kind: ir.PeerPods, Namespaces: &metav1.LabelSelector{
			MatchLabels: map[string]string{"env": g.pick("prod", "dev")}}}
	case 3:
		return ir.Peer{Kind: ir.PeerPods, Namespaces: &metav1.LabelSelector{}, Pods: g.selector()}
	case 4:
		ns, w := g.nsName(), fmt.Sprintf("w%d", g.r.IntN(3))
		return ir.Peer{Kind: ir.PeerWorkload, Ref: ns + "/" + w,
			Namespaces: &metav1.LabelSelector{MatchLabels: map[string]string{inventory.MetadataNameLabel: ns}},
			Pods:       &metav1.LabelSelector{MatchLabels: map[string]string{"app": g.pick("a", "b")}}}
	case 5:
		return ir.Peer{Kind: ir.PeerWorld}
	}
	var blocks []ir.IPBlock
	for range 1 + g.r.IntN(2) {
		blocks = append(blocks, g.block())
	}
	return ir.Peer{Kind: ir.PeerCIDR, CIDRs: blocks}
}

func (g *gen) block() ir.IPBlock {
	switch g.r.IntN(7) {
	case 0:
		return ir.IPBlock{CIDR: "10.0.0.0/8", Except: []string{g.pick("10.1.0.0/16", "10.0.0.0/16", "10.2.1.0/24")}}
	case 1:
		return ir.IPBlock{CIDR: fmt.Sprintf("10.%d.0.1/32", g.r.IntN(3))} // a pod IP, or none
	case 2:
		return ir.IPBlock{CIDR: "0.0.0.0/0", Except: []string{"10.0.0.0/8"}}
	case 3:
		return ir.IPBlock{CIDR: "fd00::/16", Except: []string{"fd00:1::/32"}}
	case 4:
		return ir.IPBlock{CIDR: "192.168.0.0/16"}
	case 5:
		return ir.IPBlock{CIDR: fmt.Sprintf("10.%d.0.0/16", g.r.IntN(3))}
	}
	return ir.IPBlock{CIDR: "::/0"}
}

func (g *gen) ports() []ir.Port {
	var out []ir.Port
	for range g.r.IntN(3) {
		switch g.r.IntN(6) {
		case 0:
			out = append(out, ir.Port{Protocol: portset.ProtocolNamed(g.pick("TCP", "UDP", "SCTP")), Number: int32(80 + g.r.IntN(2))})
		case 1:
			out = append(out, ir.Port{Protocol: portset.TCP, Name: g.pick("http", "metrics")})
		case 2:
			out = append(out, ir.Port{Protocol: portset.ProtocolNamed(g.pick("UDP", "TCP")), Name: "dns"})
		case 3:
			out = append(out, ir.Port{Protocol: portset.TCP, Number: 79, End: int32(81 + g.r.IntN(9000))})
		case 4:
			out = append(out, ir.Port{Protocol: portset.ProtocolNamed(g.pick("UDP", "SCTP")), Number: 1, End: 65535})
		default:
			out = append(out, ir.Port{Protocol: portset.UDP, Number: 53})
		}
	}
	return out
}
