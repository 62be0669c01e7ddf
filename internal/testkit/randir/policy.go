package randir

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/netpolc/netpolc/internal/portset"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netpolc/netpolc/internal/ir"
)

// policy draws isolations, then rules for isolated subjects only.
func (g *gen) policy(size int) {
	type key struct {
		ns, name string
		d        ir.Direction
	}
	seen := map[key]bool{}
	var isolated []ir.Isolation
	for range 1 + size/2 + g.r.IntN(1+size/2) {
		iso := ir.Isolation{Subject: g.subject(), Direction: g.direction(), Origin: g.origin()}
		k := key{iso.Subject.Namespace, iso.Subject.Name, iso.Direction}
		if seen[k] {
			continue
		}
		seen[k] = true
		isolated = append(isolated, iso)
	}
	g.p.Isolations = slices.Clone(isolated)
	slices.SortFunc(g.p.Isolations, func(a, b ir.Isolation) int {
		return cmp.Or(cmp.Compare(a.Subject.Namespace, b.Subject.Namespace),
			cmp.Compare(a.Subject.Name, b.Subject.Name), cmp.Compare(a.Direction, b.Direction))
	})
	for range 2*size + g.r.IntN(1+size) {
		iso := pick(g.r, isolated)
		g.p.Rules = append(g.p.Rules, ir.Rule{
			Subject: iso.Subject, Direction: iso.Direction, Peer: g.peer(),
			Ports: g.ports(), Action: ir.Allow, Origin: g.origin(),
		})
	}
}

func (g *gen) direction() ir.Direction {
	if g.chance(50) {
		return ir.Ingress
	}
	return ir.Egress
}

// subject draws a subject in a team namespace. Each distinct selector has
// one name, as the compiler guarantees: the emitters name policies after
// subjects and reject two selectors sharing a name.
func (g *gen) subject() ir.Subject {
	ns := pick(g.r, g.p.Namespaces[1:]).Name
	s := ir.Subject{Namespace: ns}
	switch n := g.r.IntN(10); {
	case n < 4:
		var names []string
		for _, w := range g.p.Workloads {
			if w.Namespace == ns {
				names = append(names, w.Name)
			}
		}
		if len(names) > 0 {
			s.Name = pick(g.r, names)
			s.Pods.MatchLabels = map[string]string{"app": s.Name}
			return s
		}
		s.Name = "all-pods"
	case n < 6:
		s.Name = "all-pods"
	case n < 8:
		t := pick(g.r, tiers)
		s.Name = "tier-" + t
		s.Pods.MatchLabels = map[string]string{"tier": t}
	default:
		e := pick(g.r, subjectExprs)
		s.Name = e.name
		s.Pods.MatchExpressions = []metav1.LabelSelectorRequirement{e.req}
	}
	return s
}

// subjectExprs are the expression subjects, each with its fixed name.
var subjectExprs = []struct {
	name string
	req  metav1.LabelSelectorRequirement
}{
	{"not-tier-a", metav1.LabelSelectorRequirement{Key: "tier", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"a"}}},
	{"tier-b-or-c", metav1.LabelSelectorRequirement{Key: "tier", Operator: metav1.LabelSelectorOpIn, Values: []string{"c", "b"}}},
	{"has-team", metav1.LabelSelectorRequirement{Key: "team", Operator: metav1.LabelSelectorOpExists}},
	{"no-team", metav1.LabelSelectorRequirement{Key: "team", Operator: metav1.LabelSelectorOpDoesNotExist}},
}

// peer draws a peer of any kind but FQDN.
func (g *gen) peer() ir.Peer {
	switch n := g.r.IntN(100); {
	case n < 20:
		w := pick(g.r, g.p.Workloads)
		return ir.Peer{Kind: ir.PeerWorkload, Namespaces: nameSel(w.Namespace),
			Pods: &metav1.LabelSelector{MatchLabels: w.Labels}, Ref: w.Namespace + "/" + w.Name}
	case n < 45:
		return ir.Peer{Kind: ir.PeerPods, Namespaces: g.nsSelector(), Pods: g.podSelector()}
	case n < 55:
		return g.p.DNS
	case n < 75:
		return g.cidrPeer()
	case n < 87:
		if g.chance(50) {
			return ir.Peer{Kind: ir.PeerWorld}
		}
		return ir.Peer{Kind: ir.PeerWorld, CIDRs: []ir.IPBlock{{CIDR: "0.0.0.0/0"}, {CIDR: "::/0"}}}
	}
	return ir.Peer{Kind: ir.PeerAll}
}

// nsSelector draws the namespaces of a pods peer: nil is the subject's own.
func (g *gen) nsSelector() *metav1.LabelSelector {
	switch n := g.r.IntN(100); {
	case n < 35:
		return nil
	case n < 50:
		return &metav1.LabelSelector{}
	case n < 70:
		return &metav1.LabelSelector{MatchLabels: map[string]string{"team": pick(g.r, teams)}}
	case n < 85:
		return nameSel(pick(g.r, g.p.Namespaces).Name)
	}
	return &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{pick(g.r, nsExprs)}}
}

var nsExprs = []metav1.LabelSelectorRequirement{
	{Key: "team", Operator: metav1.LabelSelectorOpIn, Values: []string{"red"}},
	{Key: "env", Operator: metav1.LabelSelectorOpExists},
	{Key: "team", Operator: metav1.LabelSelectorOpDoesNotExist},
	{Key: nameLabel, Operator: metav1.LabelSelectorOpNotIn, Values: []string{"n0", "kube-system"}},
}

// podSelector draws the pods of a pods peer: nil or empty is every pod.
func (g *gen) podSelector() *metav1.LabelSelector {
	switch n := g.r.IntN(100); {
	case n < 20:
		return nil
	case n < 30:
		return &metav1.LabelSelector{}
	case n < 50:
		return &metav1.LabelSelector{MatchLabels: map[string]string{"tier": pick(g.r, tiers)}}
	case n < 70:
		return &metav1.LabelSelector{MatchLabels: map[string]string{"app": pick(g.r, g.p.Workloads[1:]).Name}}
	}
	return &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{pick(g.r, podExprs)}}
}

var podExprs = []metav1.LabelSelectorRequirement{
	{Key: "tier", Operator: metav1.LabelSelectorOpIn, Values: []string{"a", "b"}},
	{Key: "tier", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"c"}},
	{Key: "team", Operator: metav1.LabelSelectorOpExists},
	{Key: "tier", Operator: metav1.LabelSelectorOpDoesNotExist},
}

// blocks are the CIDRs peers draw from, each with the holes it may have.
// They overlap each other and the pod IPs workloads draw (10.0-2.x.y,
// 192.168.x.y, 2001:db8:0:0-2::x).
var blocks = []ir.IPBlock{
	{CIDR: "10.0.0.0/8", Except: []string{"10.1.0.0/16", "10.2.3.0/24"}},
	{CIDR: "10.0.0.0/16", Except: []string{"10.0.1.0/24"}},
	{CIDR: "10.1.0.0/16"},
	{CIDR: "10.2.0.0/16", Except: []string{"10.2.0.0/24"}},
	{CIDR: "192.168.0.0/16", Except: []string{"192.168.1.0/24"}},
	{CIDR: "203.0.113.0/24", Except: []string{"203.0.113.128/25"}},
	{CIDR: "2001:db8::/32", Except: []string{"2001:db8:0:1::/64"}},
	{CIDR: "2001:db8:0:2::/64"},
}

// cidrPeer draws one or two blocks, each with some of its holes.
func (g *gen) cidrPeer() ir.Peer {
	p := ir.Peer{Kind: ir.PeerCIDR}
	for range 1 + g.r.IntN(2) {
		b := pick(g.r, blocks)
		var except []string
		for _, e := range b.Except {
			if g.chance(60) {
				except = append(except, e)
			}
		}
		p.CIDRs = append(p.CIDRs, ir.IPBlock{CIDR: b.CIDR, Except: except})
	}
	return p
}

var (
	protocols = []portset.Protocol{portset.TCP, portset.TCP, portset.UDP, portset.SCTP}
	numbers   = []int32{53, 80, 443, 5000, 7000, 8080, 8443, 9090, 9100}
	portNames = []string{"http", "grpc", "dns", "metrics", "stream", "svc", "dns-tcp"}
)

// ports draws a port list: none (every port) a quarter of the time.
func (g *gen) ports() []ir.Port {
	if g.chance(25) {
		return nil
	}
	var out []ir.Port
	for range 1 + g.r.IntN(3) {
		out = append(out, g.port())
	}
	return out
}

// port draws one port of any form.
func (g *gen) port() ir.Port {
	proto := pick(g.r, protocols)
	switch n := g.r.IntN(100); {
	case n < 40:
		if g.chance(20) {
			return ir.Port{Protocol: proto, Number: 1 + g.r.Int32N(65535)}
		}
		return ir.Port{Protocol: proto, Number: pick(g.r, numbers)}
	case n < 60:
		start := pick(g.r, numbers)
		return ir.Port{Protocol: proto, Number: start, End: min(65535, start+g.r.Int32N(2000))}
	case n < 97:
		name := pick(g.r, portNames)
		if g.chance(80) {
			proto = usualProtocol(name)
		}
		return ir.Port{Protocol: proto, Name: name}
	}
	return ir.Port{Protocol: proto}
}

// usualProtocol is the protocol most workloads declare a port name with.
func usualProtocol(name string) portset.Protocol {
	for _, p := range portVocab {
		if p.Name == name {
			return p.Protocol
		}
	}
	if name == "dns-tcp" {
		return portset.TCP
	}
	panic(fmt.Sprintf("randir: unknown port name %q", name))
}
