package nftables_test

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/internal/portset"

	"github.com/netpolc/netpolc/internal/diag"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netpolc/netpolc/emitters/networkpolicy"
	"github.com/netpolc/netpolc/emitters/nftables"
	"github.com/netpolc/netpolc/emitters/nftables/nftapi"
	"github.com/netpolc/netpolc/enforcer"
	readnft "github.com/netpolc/netpolc/enforcer/nftables"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
)

// The conformance cluster, as in enforcer's suite: namespaces x, y, z
// labelled ns=<name>, pods a, b, c labelled pod=<name>, named ports
// serve-{80,81}-{tcp,udp,sctp}, plus "web": TCP/81 in y and TCP/80
// elsewhere (for per-destination resolution). Pod N.M (namespace N,
// pod M, from 1) has 10.244.N.M and fd00:244::N:M, addresses used only
// inside the kernel test's namespaces.
var (
	confNamespaces = []string{"x", "y", "z"}
	confPods       = []string{"a", "b", "c"}
)

func confInventory() inventory.Inventory {
	var inv inventory.Inventory
	for n, ns := range confNamespaces {
		inv.Namespaces = append(inv.Namespaces, inventory.Namespace{
			Name: ns, Labels: map[string]string{"ns": ns, inventory.MetadataNameLabel: ns}})
		for m, pod := range confPods {
			ep := inventory.Endpoint{Namespace: ns, Name: pod, Kind: "Pod", Labels: map[string]string{"pod": pod},
				IPs: podIPs(n+1, m+1)}
			for _, proto := range []portset.Protocol{portset.TCP, portset.UDP, portset.SCTP} {
				for _, port := range []int32{80, 81} {
					name := fmt.Sprintf("serve-%d-%s", port, strings.ToLower(proto.String()))
					ep.Ports = append(ep.Ports, ir.NamedPort{Name: name, Port: port, Protocol: proto})
				}
			}
			web := int32(80)
			if ns == "y" {
				web = 81
			}
			ep.Ports = append(ep.Ports, ir.NamedPort{Name: "web", Port: web, Protocol: portset.TCP})
			inv.Endpoints = append(inv.Endpoints, ep)
		}
	}
	return inv
}

// podIPs are the addresses of pod n.m.
func podIPs(n, m int) []netip.Addr {
	return []netip.Addr{
		netip.AddrFrom4([4]byte{10, 244, byte(n), byte(m)}),
		netip.MustParseAddr(fmt.Sprintf("fd00:244::%d:%d", n, m)),
	}
}

// IR builders.

func at(line int) ir.Origin {
	return ir.Origin{Pos: diag.Pos{File: "intents/conf.cue", Line: line, Col: 3}}
}

func labels(kv ...string) *metav1.LabelSelector {
	s := &metav1.LabelSelector{}
	for i := 0; i+1 < len(kv); i += 2 {
		if s.MatchLabels == nil {
			s.MatchLabels = map[string]string{}
		}
		s.MatchLabels[kv[i]] = kv[i+1]
	}
	return s
}

func expr(key string, op metav1.LabelSelectorOperator, values ...string) *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: key, Operator: op, Values: values}}}
}

// subject is pod (or every pod when pod is "") of namespace ns.
func subject(ns, pod string) ir.Subject {
	if pod == "" {
		return ir.Subject{Namespace: ns, Name: "all-pods"}
	}
	return ir.Subject{Namespace: ns, Name: pod, Pods: *labels("pod", pod)}
}

func isolate(s ir.Subject, dirs ...ir.Direction) []ir.Isolation {
	var out []ir.Isolation
	for i, d := range dirs {
		out = append(out, ir.Isolation{Subject: s, Direction: d, Origin: at(1 + i)})
	}
	return out
}

func allow(s ir.Subject, d ir.Direction, p ir.Peer, line int, ports ...ir.Port) ir.Rule {
	return ir.Rule{Subject: s, Direction: d, Peer: p, Ports: ports, Action: ir.Allow, Origin: at(line)}
}

func deny(s ir.Subject, d ir.Direction, p ir.Peer, line int, ports ...ir.Port) ir.Rule {
	r := allow(s, d, p, line, ports...)
	r.Action = ir.Deny
	return r
}

var everyone = ir.Peer{Kind: ir.PeerAll}

func localPods(sel *metav1.LabelSelector) ir.Peer { return ir.Peer{Kind: ir.PeerPods, Pods: sel} }

func pods(ns, pods *metav1.LabelSelector) ir.Peer {
	return ir.Peer{Kind: ir.PeerPods, Namespaces: ns, Pods: pods}
}

func cidr(c string, except ...string) ir.Peer {
	return ir.Peer{Kind: ir.PeerCIDR, CIDRs: []ir.IPBlock{{CIDR: c, Except: except}}}
}

func tcp(n int32) ir.Port               { return ir.Port{Protocol: portset.TCP, Number: n} }
func udp(n int32) ir.Port               { return ir.Port{Protocol: portset.UDP, Number: n} }
func named(name string) ir.Port         { return ir.Port{Protocol: portset.TCP, Name: name} }
func namedUDP(name string) ir.Port      { return ir.Port{Protocol: portset.UDP, Name: name} }
func span(p ir.Port, end int32) ir.Port { p.End = end; return p }

// reference is the model a case's ruleset must equal: the NetworkPolicy
// model of the emitted NetworkPolicies, or, for what NetworkPolicy cannot
// express (deny rules, the platform layer), the model of the IR itself.
func reference(t testing.TB, p *ir.Policy, inv inventory.Inventory) *enforcer.Model {
	t.Helper()
	m, err := enforcer.New(inv, refPolicies(t, p))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// refPolicies are the intents' policies as the reference reads them: the
// networkpolicy target's objects where NetworkPolicy can say it all, the
// IR's own policies otherwise.
func refPolicies(t testing.TB, p *ir.Policy) enforcer.Policies {
	t.Helper()
	if hasDeny(p) {
		pols, err := enforcer.FromIR(p)
		if err != nil {
			t.Fatal(err)
		}
		return pols
	}
	nps, err := networkpolicy.Build(p)
	if err != nil {
		t.Fatalf("networkpolicy.Build: %v", err)
	}
	var sourced []enforcer.SourcedNetworkPolicy
	for _, np := range nps {
		sourced = append(sourced, enforcer.SourcedNetworkPolicy{NetworkPolicy: np})
	}
	pols, err := enforcer.FromNetworkPolicies(sourced)
	if err != nil {
		t.Fatal(err)
	}
	return pols
}

func hasDeny(p *ir.Policy) bool {
	if len(p.Cluster) > 0 {
		return true // the platform layer: NetworkPolicy has no tiers
	}
	for _, r := range p.Rules {
		if r.Action == ir.Deny {
			return true
		}
	}
	return false
}

// checkInterpreted builds the ruleset and requires its interpretation to
// equal the reference's matrix, per address (addrView): every endpoint
// whose addresses m's blocks tell apart is read as one endpoint per piece,
// as the build's proof does.
func checkInterpreted(t testing.TB, p *ir.Policy, inv inventory.Inventory, m *enforcer.Model) *nftapi.Ruleset {
	t.Helper()
	rs, err := nftables.Build(p, inv)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	v := newAddrView(t, p, inv, m)
	got, err := readnft.Interpret(rs, v.inv, readnft.WithExternalPeers(v.model.ExternalPeers()...))
	if err != nil {
		t.Fatalf("Interpret: %v", err)
	}
	if d := enforcer.Diff(v.model.Matrix(), got); !d.Empty() {
		t.Fatalf("interpreted ruleset differs from the model: %+v\n%s", d, rs)
	}
	return rs
}
