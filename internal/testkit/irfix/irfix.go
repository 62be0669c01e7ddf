// Package irfix builds IR pieces for tests and test cases, so each case
// reads as the intent it stands for: Allow(Web, ir.Ingress,
// LocalPods(App("gateway")), 5, TCP(8080)). Origins point at
// intents/shop.cue, line as given, column 3.
package irfix

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netpolc/netpolc/internal/portset"

	"github.com/netpolc/netpolc/internal/diag"

	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
)

// At is the origin of a case element on line.
func At(line int) ir.Origin {
	return ir.Origin{Pos: diag.Pos{File: "intents/shop.cue", Line: line, Col: 3}}
}

// Subject selects pods of ns by labels, named name.
func Subject(ns, name string, labels map[string]string) ir.Subject {
	return ir.Subject{Namespace: ns, Name: name, Pods: metav1.LabelSelector{MatchLabels: labels}}
}

// App is the label set {app: name}.
func App(name string) map[string]string { return map[string]string{"app": name} }

// Subjects of the shop namespace.
var (
	Web = Subject("shop", "web", App("web"))
	API = Subject("shop", "api", App("api"))
	All = Subject("shop", "all-pods", nil)
)

// Isolate isolates s in direction d.
func Isolate(s ir.Subject, d ir.Direction, line int) ir.Isolation {
	return ir.Isolation{Subject: s, Direction: d, Origin: At(line)}
}

// Allow allows s to talk with p in direction d on ports (none: all).
func Allow(s ir.Subject, d ir.Direction, p ir.Peer, line int, ports ...ir.Port) ir.Rule {
	return ir.Rule{Subject: s, Direction: d, Peer: p, Ports: ports, Action: ir.Allow, Origin: At(line)}
}

// Sel is a matchLabels selector.
func Sel(labels map[string]string) *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchLabels: labels}
}

// LocalPods is a peer in the subject's own namespace.
func LocalPods(labels map[string]string) ir.Peer {
	return ir.Peer{Kind: ir.PeerPods, Pods: Sel(labels)}
}

// Workload is the workload peer ns/name (labels {app: name}).
func Workload(ns, name string) ir.Peer {
	return ir.Peer{Kind: ir.PeerWorkload, Namespaces: Sel(map[string]string{inventory.MetadataNameLabel: ns}),
		Pods: Sel(App(name)), Ref: ns + "/" + name}
}

// CIDR is an ipBlock peer.
func CIDR(c string, except ...string) ir.Peer {
	return ir.Peer{Kind: ir.PeerCIDR, CIDRs: []ir.IPBlock{{CIDR: c, Except: except}}}
}

// Peers every case uses.
var (
	Everyone = ir.Peer{Kind: ir.PeerAll}
	World    = ir.Peer{Kind: ir.PeerWorld}
	DNS      = ir.Peer{Kind: ir.PeerDNS, Namespaces: Sel(map[string]string{inventory.MetadataNameLabel: "kube-system"}),
		Pods: Sel(map[string]string{"k8s-app": "kube-dns"})}
)

// TCP is a TCP port.
func TCP(n int32) ir.Port { return ir.Port{Protocol: portset.TCP, Number: n} }

// UDP is a UDP port.
func UDP(n int32) ir.Port { return ir.Port{Protocol: portset.UDP, Number: n} }

// Named is a named TCP port.
func Named(name string) ir.Port { return ir.Port{Protocol: portset.TCP, Name: name} }

// Span makes p the range p..end.
func Span(p ir.Port, end int32) ir.Port { p.End = end; return p }
