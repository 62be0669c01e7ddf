package randir

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netpolc/netpolc/internal/portset"

	"github.com/netpolc/netpolc/internal/ir"
	. "github.com/netpolc/netpolc/internal/testkit/irfix"
)

// shopWorkloads declares the workloads the cases refer to.
var shopWorkloads = []ir.Workload{
	{Namespace: "shop", Name: "api", Labels: App("api"), Ports: []ir.NamedPort{{Name: "http", Port: 8080, Protocol: portset.TCP}}},
	{Namespace: "shop", Name: "web", Labels: App("web"), Ports: []ir.NamedPort{{Name: "http", Port: 8080, Protocol: portset.TCP}}},
	{Namespace: "shop", Name: "db", Labels: App("db"), IPs: []string{"10.0.5.5"}},
}

// Cases returns hand-written IR inputs that, with Examples, cover every
// template-like pattern and the corners each target treats specially
// (FQDN peers, pod IPs inside CIDRs, egress named ports, namespace
// selectors, world and CIDR peers, port forms). Each call returns fresh
// values.
func Cases() map[string]*ir.Policy {
	return map[string]*ir.Policy{
		"isolation-only": {Isolations: []ir.Isolation{Isolate(All, ir.Ingress, 1), Isolate(All, ir.Egress, 2)}},
		"fqdn": {
			Isolations: []ir.Isolation{Isolate(All, ir.Egress, 1), Isolate(API, ir.Egress, 2)},
			Rules: []ir.Rule{
				Allow(All, ir.Egress, DNS, 3, UDP(53), TCP(53)),
				Allow(API, ir.Egress, ir.Peer{Kind: ir.PeerFQDN, FQDN: "api.example.com"}, 4, TCP(443)),
				Allow(API, ir.Egress, ir.Peer{Kind: ir.PeerFQDN, FQDN: "*.example.org"}, 5, TCP(443)),
			},
		},
		"fqdn-without-dns": {
			Isolations: []ir.Isolation{Isolate(API, ir.Egress, 2)},
			Rules:      []ir.Rule{Allow(API, ir.Egress, ir.Peer{Kind: ir.PeerFQDN, FQDN: "api.example.com"}, 4, TCP(443))},
		},
		"namespaces": {
			Isolations: []ir.Isolation{Isolate(API, ir.Ingress, 1)},
			Rules: []ir.Rule{
				Allow(API, ir.Ingress, LocalPods(App("web")), 3, TCP(80)),
				Allow(API, ir.Ingress, Workload("other", "client"), 4, TCP(80)),
				Allow(API, ir.Ingress, ir.Peer{Kind: ir.PeerPods, Namespaces: Sel(map[string]string{"team": "shop"})}, 5, TCP(80)),
				Allow(API, ir.Ingress, ir.Peer{Kind: ir.PeerPods, Namespaces: Sel(nil), Pods: Sel(App("probe"))}, 6, TCP(80)),
				Allow(API, ir.Ingress, ir.Peer{Kind: ir.PeerPods, Namespaces: &metav1.LabelSelector{
					MatchExpressions: []metav1.LabelSelectorRequirement{
						{Key: "tier", Operator: metav1.LabelSelectorOpIn, Values: []string{"b", "a"}},
						{Key: "kubernetes.io/metadata.name", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"kube-system"}},
					}}}, 8, TCP(82)),
			},
		},
		"world-cidr-ports": {
			Isolations: []ir.Isolation{Isolate(Web, ir.Egress, 1), Isolate(Web, ir.Ingress, 1)},
			Rules: []ir.Rule{
				Allow(Web, ir.Egress, World, 3, TCP(443)),
				Allow(Web, ir.Egress, CIDR("192.168.0.0/16", "192.168.1.0/24"), 4, Span(TCP(8000), 8100), ir.Port{Protocol: portset.SCTP}),
				Allow(Web, ir.Egress, CIDR("2001:db8::/32"), 5, UDP(53)),
				Allow(Web, ir.Ingress, Everyone, 6, Named("http")),
				Allow(Web, ir.Ingress, ir.Peer{Kind: ir.PeerWorld, CIDRs: []ir.IPBlock{{CIDR: "0.0.0.0/0"}}}, 7, TCP(80)),
			},
		},
		"pod-ip-in-cidr": {
			Workloads:  shopWorkloads,
			Isolations: []ir.Isolation{Isolate(Web, ir.Egress, 1)},
			Rules:      []ir.Rule{Allow(Web, ir.Egress, CIDR("10.0.0.0/8"), 3, TCP(5432))},
		},
		"egress-named-port": {
			Workloads:  shopWorkloads,
			Isolations: []ir.Isolation{Isolate(Web, ir.Egress, 1)},
			Rules: []ir.Rule{
				Allow(Web, ir.Egress, LocalPods(App("api")), 3, Named("http")),
				Allow(Web, ir.Egress, LocalPods(nil), 4, Named("http"), TCP(9090)),
			},
		},
	}
}
