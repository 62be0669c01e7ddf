package randir

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netpolc/netpolc/compiler/ir"
)

// Fixture helpers: small functions that build IR pieces, so each case
// reads as the intent it stands for.

func at(line int) ir.Origin { return ir.Origin{File: "intents/shop.cue", Line: line, Col: 3} }

func subject(ns, name string, labels map[string]string) ir.Subject {
	return ir.Subject{Namespace: ns, Name: name, Pods: metav1.LabelSelector{MatchLabels: labels}}
}

func app(name string) map[string]string { return map[string]string{"app": name} }

var (
	web = subject("shop", "web", app("web"))
	api = subject("shop", "api", app("api"))
	all = subject("shop", "all-pods", nil)
)

func isolate(s ir.Subject, d ir.Direction, line int) ir.Isolation {
	return ir.Isolation{Subject: s, Direction: d, Origin: at(line)}
}

func allow(s ir.Subject, d ir.Direction, p ir.Peer, line int, ports ...ir.Port) ir.Rule {
	return ir.Rule{Subject: s, Direction: d, Peer: p, Ports: ports, Action: ir.Allow, Origin: at(line)}
}

func sel(labels map[string]string) *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchLabels: labels}
}

func localPods(labels map[string]string) ir.Peer {
	return ir.Peer{Kind: ir.PeerPods, Pods: sel(labels)}
}

func workload(ns, name string) ir.Peer {
	return ir.Peer{Kind: ir.PeerWorkload, Namespaces: sel(map[string]string{"kubernetes.io/metadata.name": ns}),
		Pods: sel(app(name)), Ref: ns + "/" + name}
}

func cidr(c string, except ...string) ir.Peer {
	return ir.Peer{Kind: ir.PeerCIDR, CIDRs: []ir.IPBlock{{CIDR: c, Except: except}}}
}

var (
	everyone = ir.Peer{Kind: ir.PeerAll}
	world    = ir.Peer{Kind: ir.PeerWorld}
	dns      = ir.Peer{Kind: ir.PeerDNS, Namespaces: sel(map[string]string{"kubernetes.io/metadata.name": "kube-system"}),
		Pods: sel(map[string]string{"k8s-app": "kube-dns"})}
)

func tcp(n int32) ir.Port               { return ir.Port{Protocol: ir.TCP, Number: n} }
func udp(n int32) ir.Port               { return ir.Port{Protocol: ir.UDP, Number: n} }
func named(name string) ir.Port         { return ir.Port{Protocol: ir.TCP, Name: name} }
func span(p ir.Port, end int32) ir.Port { p.End = end; return p }

// shopWorkloads declares the workloads the cases refer to.
var shopWorkloads = []ir.Workload{
	{Namespace: "shop", Name: "api", Labels: app("api"), Ports: []ir.NamedPort{{Name: "http", Port: 8080, Protocol: ir.TCP}}},
	{Namespace: "shop", Name: "web", Labels: app("web"), Ports: []ir.NamedPort{{Name: "http", Port: 8080, Protocol: ir.TCP}}},
	{Namespace: "shop", Name: "db", Labels: app("db"), IPs: []string{"10.0.5.5"}},
}

// Cases returns hand-written IR inputs that, with Examples, cover every
// template-like pattern and the corners each target treats specially
// (FQDN peers, pod IPs inside CIDRs, egress named ports, namespace
// selectors, world and CIDR peers, port forms). Each call returns fresh
// values.
func Cases() map[string]*ir.Policy {
	return map[string]*ir.Policy{
		"isolation-only": {Isolations: []ir.Isolation{isolate(all, ir.Ingress, 1), isolate(all, ir.Egress, 2)}},
		"fqdn": {
			Isolations: []ir.Isolation{isolate(all, ir.Egress, 1), isolate(api, ir.Egress, 2)},
			Rules: []ir.Rule{
				allow(all, ir.Egress, dns, 3, udp(53), tcp(53)),
				allow(api, ir.Egress, ir.Peer{Kind: ir.PeerFQDN, FQDN: "api.example.com"}, 4, tcp(443)),
				allow(api, ir.Egress, ir.Peer{Kind: ir.PeerFQDN, FQDN: "*.example.org"}, 5, tcp(443)),
			},
		},
		"fqdn-without-dns": {
			Isolations: []ir.Isolation{isolate(api, ir.Egress, 2)},
			Rules:      []ir.Rule{allow(api, ir.Egress, ir.Peer{Kind: ir.PeerFQDN, FQDN: "api.example.com"}, 4, tcp(443))},
		},
		"namespaces": {
			Isolations: []ir.Isolation{isolate(api, ir.Ingress, 1)},
			Rules: []ir.Rule{
				allow(api, ir.Ingress, localPods(app("web")), 3, tcp(80)),
				allow(api, ir.Ingress, workload("other", "client"), 4, tcp(80)),
				allow(api, ir.Ingress, ir.Peer{Kind: ir.PeerPods, Namespaces: sel(map[string]string{"team": "shop"})}, 5, tcp(80)),
				allow(api, ir.Ingress, ir.Peer{Kind: ir.PeerPods, Namespaces: sel(nil), Pods: sel(app("probe"))}, 6, tcp(80)),
				allow(api, ir.Ingress, ir.Peer{Kind: ir.PeerPods, Namespaces: &metav1.LabelSelector{
					MatchExpressions: []metav1.LabelSelectorRequirement{
						{Key: "tier", Operator: metav1.LabelSelectorOpIn, Values: []string{"b", "a"}},
						{Key: "kubernetes.io/metadata.name", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"kube-system"}},
					}}}, 8, tcp(82)),
			},
		},
		"world-cidr-ports": {
			Isolations: []ir.Isolation{isolate(web, ir.Egress, 1), isolate(web, ir.Ingress, 1)},
			Rules: []ir.Rule{
				allow(web, ir.Egress, world, 3, tcp(443)),
				allow(web, ir.Egress, cidr("192.168.0.0/16", "192.168.1.0/24"), 4, span(tcp(8000), 8100), ir.Port{Protocol: ir.SCTP}),
				allow(web, ir.Egress, cidr("2001:db8::/32"), 5, udp(53)),
				allow(web, ir.Ingress, everyone, 6, named("http")),
				allow(web, ir.Ingress, ir.Peer{Kind: ir.PeerWorld, CIDRs: []ir.IPBlock{{CIDR: "0.0.0.0/0"}}}, 7, tcp(80)),
			},
		},
		"pod-ip-in-cidr": {
			Workloads:  shopWorkloads,
			Isolations: []ir.Isolation{isolate(web, ir.Egress, 1)},
			Rules:      []ir.Rule{allow(web, ir.Egress, cidr("10.0.0.0/8"), 3, tcp(5432))},
		},
		"egress-named-port": {
			Workloads:  shopWorkloads,
			Isolations: []ir.Isolation{isolate(web, ir.Egress, 1)},
			Rules: []ir.Rule{
				allow(web, ir.Egress, localPods(app("api")), 3, named("http")),
				allow(web, ir.Egress, localPods(nil), 4, named("http"), tcp(9090)),
			},
		},
	}
}
