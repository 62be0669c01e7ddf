package enforcer

import (
	"fmt"
	"net/netip"
	"runtime"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	"sigs.k8s.io/network-policy-api/apis/v1alpha2"

	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/portset"
	"github.com/netpolc/netpolc/internal/testkit/conformance"
)

// syntheticCluster builds a cluster shaped like a real multi-team one:
// nsCount namespaces (team-NNN plus kube-system and monitoring) with wl
// workloads each in five tiers, and ten NetworkPolicies per team namespace
// (default deny, DNS, tier chain, monitoring, a cross-team grant, external
// egress). withAdmin adds an Admin-tier and a Baseline-tier
// ClusterNetworkPolicy, which make every row take the full evaluation path.
func syntheticCluster(tb testing.TB, nsCount, wl int, withAdmin bool) (inventory.Inventory, Policies) {
	var inv inventory.Inventory
	c := conformance.Case{}
	addNS := func(name string, labels map[string]string) {
		labels[inventory.MetadataNameLabel] = name
		inv.Namespaces = append(inv.Namespaces, inventory.Namespace{Name: name, Labels: labels})
	}
	addNS("kube-system", map[string]string{})
	inv.Endpoints = append(inv.Endpoints, inventory.Endpoint{Namespace: "kube-system", Name: "coredns",
		Kind: "Deployment", Labels: map[string]string{"k8s-app": "kube-dns"}})
	addNS("monitoring", map[string]string{"team": "monitoring"})
	inv.Endpoints = append(inv.Endpoints, inventory.Endpoint{Namespace: "monitoring", Name: "prometheus",
		Kind: "StatefulSet", Labels: map[string]string{"app": "prometheus"}})
	tiers := []string{"web", "app", "db", "cache", "worker"}
	for i := range nsCount - 2 {
		ns := fmt.Sprintf("team-%03d", i)
		addNS(ns, map[string]string{"team": fmt.Sprintf("t%02d", i%20), "env": []string{"prod", "dev"}[i%2]})
		for j := range wl {
			ep := inventory.Endpoint{Namespace: ns, Name: fmt.Sprintf("w%02d", j), Kind: "Deployment",
				Labels: map[string]string{"app": fmt.Sprintf("%s-w%02d", ns, j), "tier": tiers[j%5]},
				Ports: []ir.NamedPort{{Name: "grpc", Port: 9000, Protocol: portset.TCP},
					{Name: "http", Port: int32(8080 + j%3), Protocol: portset.TCP}, {Name: "metrics", Port: 9090, Protocol: portset.TCP}}}
			if j%4 == 0 {
				ep.IPs = []netip.Addr{netip.AddrFrom4([4]byte{10, byte(i / 250), byte(i % 250), byte(j + 1)})}
			}
			inv.Endpoints = append(inv.Endpoints, ep)
		}
		c.NPs = append(c.NPs, namespacePolicies(ns, i, wl)...)
	}
	if withAdmin {
		c.CNPs = []v1alpha2.ClusterNetworkPolicy{
			conformance.Cnp("dev-not-prod", conformance.Admin, 10, conformance.CnpSubjectNS(conformance.Sel("env", "prod")), conformance.CnpIn(conformance.Deny, conformance.CnpFromNS(conformance.Sel("env", "dev")))),
			conformance.Cnp("baseline-isolate", conformance.Base, 10, conformance.CnpSubjectNS(allNS), conformance.CnpIn(conformance.Deny, conformance.CnpFromNS(allNS))),
		}
	}
	return inv, confPolicies(tb, c)
}

// namespacePolicies are the ten NetworkPolicies of team namespace i.
func namespacePolicies(ns string, i, wl int) []networkingv1.NetworkPolicy {
	tier := func(t string) *networkingv1.NetworkPolicyPeer {
		p := conformance.PodPeer(conformance.Sel("tier", t))
		return &p
	}
	return []networkingv1.NetworkPolicy{
		conformance.Netpol(ns, "default-deny", conformance.Types(conformance.TIngress, conformance.TEgress)),
		conformance.Netpol(ns, "dns", conformance.Types(conformance.TEgress), conformance.Egress(conformance.To(conformance.Peers(conformance.NsPodPeer(conformance.Sel(inventory.MetadataNameLabel, "kube-system"),
			conformance.Sel("k8s-app", "kube-dns"))), conformance.Port(conformance.UDP, 53), conformance.Port(conformance.TCP, 53)))),
		conformance.Netpol(ns, "web-in", conformance.Selecting(conformance.Sel("tier", "web")), conformance.Ingress(conformance.From(conformance.Anyone, conformance.Named(conformance.TCP, "http")))),
		conformance.Netpol(ns, "app-from-web", conformance.Selecting(conformance.Sel("tier", "app")), conformance.Ingress(conformance.From(conformance.Peers(*tier("web")), conformance.Named(conformance.TCP, "http")))),
		conformance.Netpol(ns, "db-from-app", conformance.Selecting(conformance.Sel("tier", "db")), conformance.Ingress(conformance.From(conformance.Peers(*tier("app")), conformance.Port(conformance.TCP, 5432)))),
		conformance.Netpol(ns, "web-to-app", conformance.Selecting(conformance.Sel("tier", "web")), conformance.Types(conformance.TEgress), conformance.Egress(conformance.To(conformance.Peers(*tier("app")), conformance.Named(conformance.TCP, "http")))),
		conformance.Netpol(ns, "app-to-db", conformance.Selecting(conformance.Sel("tier", "app")), conformance.Types(conformance.TEgress), conformance.Egress(conformance.To(conformance.Peers(*tier("db")), conformance.Port(conformance.TCP, 5432)))),
		conformance.Netpol(ns, "monitoring", conformance.Ingress(conformance.From(conformance.Peers(conformance.NsPeer(conformance.Sel("team", "monitoring"))), conformance.Named(conformance.TCP, "metrics")))),
		conformance.Netpol(ns, "cross-team", conformance.Selecting(conformance.Sel("app", fmt.Sprintf("%s-w%02d", ns, i%wl))),
			conformance.Ingress(conformance.From(conformance.Peers(conformance.NsPodPeer(conformance.Sel("team", fmt.Sprintf("t%02d", (i+1)%20)), conformance.Sel("tier", "worker"))), conformance.Named(conformance.TCP, "grpc")))),
		conformance.Netpol(ns, "external", conformance.Selecting(conformance.Sel("tier", "worker")), conformance.Types(conformance.TEgress),
			conformance.Egress(conformance.To(conformance.Peers(conformance.IpPeer("0.0.0.0/0", "10.0.0.0/8")), conformance.Port(conformance.TCP, 443)),
				conformance.To(conformance.Peers(conformance.IpPeer(fmt.Sprintf("192.168.%d.0/24", i%256))), conformance.Port(conformance.TCP, 5432)))),
	}
}

func benchMatrix(b *testing.B, nsCount, wl int, withAdmin bool) {
	inv, pols := syntheticCluster(b, nsCount, wl, withAdmin)
	b.ReportAllocs()
	b.ResetTimer()
	var conns int
	for b.Loop() {
		m, err := New(inv, pols)
		if err != nil {
			b.Fatal(err)
		}
		conns = len(m.Matrix().Connections)
	}
	b.StopTimer()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(conns), "connections")
	b.ReportMetric(float64(ms.HeapSys)/(1<<20), "heap-sys-MiB")
}

// BenchmarkMatrix200x5000 is the ARCHITECTURE.md §5 target size: 200 namespaces,
// 5,000 workloads, 1,980 NetworkPolicies (+2 ClusterNetworkPolicies).
func BenchmarkMatrix200x5000(b *testing.B)      { benchMatrix(b, 200, 25, false) }
func BenchmarkMatrix200x5000Admin(b *testing.B) { benchMatrix(b, 200, 25, true) }
func BenchmarkMatrix20x500(b *testing.B)        { benchMatrix(b, 20, 25, true) }

// BenchmarkVerdict200x5000 is one explained verdict on the target-size
// cluster (the model built once).
func BenchmarkVerdict200x5000(b *testing.B) {
	inv, pols := syntheticCluster(b, 200, 25, true)
	m, err := New(inv, pols)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := m.Verdict("team-001/w00", "team-001/w01", portset.TCP, 8081); err != nil {
			b.Fatal(err)
		}
	}
}
