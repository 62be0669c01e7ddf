package nftables_test

import (
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/testkit/conformance"
	"github.com/netpolc/netpolc/internal/testkit/kerneltest"
	"github.com/netpolc/netpolc/internal/testkit/npir"
)

// npNodeSetup is the node cluster of TestKernelNodesUnlistedAndServices
// on the addresses of enforcer's conformance cluster (10.N.0.M, IPv4
// only, one on-link /8): the node's pods at 10.250.0.1 and 10.250.0.2, the
// replica x/a-new at 10.1.0.99, pod networks 10.N.0.0/16, a Service at
// 172.30.0.10, the node's gateway at 10.1.255.254. inv is the case's
// cluster.
func npNodeSetup(inv inventory.Inventory) nodeSetup {
	listed := inv
	listed.Namespaces = append(slices.Clone(inv.Namespaces), inventory.Namespace{Name: "kube-system",
		Labels: map[string]string{inventory.MetadataNameLabel: "kube-system", "ns": "kube-system"}})
	listed.Endpoints = slices.Clone(inv.Endpoints)
	for i, name := range []string{"agent", "agent-remote"} {
		listed.Endpoints = append(listed.Endpoints, inventory.Endpoint{Namespace: "kube-system", Name: name, Kind: "DaemonSet",
			Labels: map[string]string{"pod": "agent"}, IPs: []netip.Addr{netip.AddrFrom4([4]byte{10, 250, 0, byte(1 + i)})}, HostNetwork: true})
	}
	listed.Sort()
	all := listed
	all.Endpoints = slices.Clone(listed.Endpoints)
	i := slices.IndexFunc(listed.Endpoints, func(e inventory.Endpoint) bool { return e.ID() == backendID })
	replica := listed.Endpoints[i]
	replica.Name, replica.IPs = "a-new", []netip.Addr{netip.MustParseAddr("10.1.0.99")}
	all.Endpoints = append(all.Endpoints, replica)
	all.Sort()
	return nodeSetup{listed: listed, all: all, podCIDRs: []string{"10.1.0.0/16", "10.2.0.0/16", "10.3.0.0/16"},
		nodes:    ir.Peer{Kind: ir.PeerCIDR, CIDRs: []ir.IPBlock{{CIDR: "10.250.0.0/24"}}},
		services: []netip.Addr{netip.MustParseAddr("172.30.0.10")}, gateway: netip.MustParseAddr("10.1.255.254"), onLink: 8}
}

// TestKernelNetworkPolicyConformanceNodes runs every NetworkPolicy case of
// enforcer's conformance suite (as TestKernelNetworkPolicyConformance
// does) in the node cluster: host-network pods of this node and another,
// a replica the build does not list, a Service DNATed to x/a and the
// node's gateway address, pod networks declared and the nodes admitted
// where pods are isolated, built with approximation. The interpreter must
// be no wider than the model and the kernel must do what it says.
func TestKernelNetworkPolicyConformanceNodes(t *testing.T) {
	kerneltest.Require(t)
	start := time.Now()
	base := npNodeSetup(conformance.Inventory())
	ports := slices.Clone(confPorts)
	for _, c := range conformance.Cases() {
		if p := probePort(t, c); !slices.Contains(ports, p) {
			ports = append(ports, p)
		}
	}
	cl := base.cluster(t, ports)
	ran, probes := 0, 0
	var skipped []string
	for _, c := range conformance.Cases() {
		t.Run(c.Name, func(t *testing.T) {
			inv := c.Inventory()
			if !c.NetworkPolicyOnly() || !sameAddrs(inv, conformance.Inventory()) {
				skipped = append(skipped, c.Name)
				t.Skip("admin-layer policies or pods without the kernel pods' addresses (see TestKernelNetworkPolicyConformance)")
			}
			n := npNodeSetup(inv)
			p, err := npir.FromNetworkPolicies(c.NPs, n.listed)
			if err != nil {
				t.Fatalf("npir: %v", err)
			}
			k := n.run(t, cl, n.withNodes(p))
			if k < 0 {
				skipped = append(skipped, c.Name+" (refused)")
				return
			}
			probes += k
			ran++
		})
	}
	t.Logf("%d of %d cases enforced with host-network pods, an unlisted pod and a Service, %d probes in %v; skipped: %d",
		ran, len(conformance.Cases()), probes, time.Since(start), len(skipped))
	if ran+len(skipped) == len(conformance.Cases()) && !t.Failed() && ran < 60 {
		t.Errorf("only %d conformance cases ran", ran)
	}
}
