package nftables_test

import (
	"slices"
	"testing"

	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
)

// platformLayer is a platform layer over the conformance cluster with
// every part the ruleset orders: the nodes admitted first (their traffic
// to their pods is never filtered, so the intents must allow it), an
// admin Deny, a Pass to the teams' policies and an Allow after it, an IR
// deny rule (an admin-tier deny after the admin intents of priority 0),
// and a baseline that denies namespace z's ingress and its egress to the
// nodes' addresses for the pods no team isolates.
func platformLayer(p *ir.Policy, nodes ir.Peer) *ir.Policy {
	q := *p
	nsPods := func(ns, pod string) ir.Peer {
		pe := pods(labels(inventory.MetadataNameLabel, ns), nil)
		if pod != "" {
			pe.Pods = labels("pod", pod)
		}
		return pe
	}
	q.Rules = append(slices.Clone(p.Rules), deny(subject("x", "b"), in, nsPods("y", "a"), 60))
	baseline := ir.ClusterPolicy{Tier: ir.TierBaseline, Name: "z-closed", Priority: 10, Origin: at(70),
		Subject: ir.ClusterSubject{Namespaces: *labels(inventory.MetadataNameLabel, "z")},
		Rules:   []ir.ClusterRule{clusterRule(in, ir.Deny, everyone, 71), clusterRule(out, ir.Deny, nodes, 72)}}
	q.Cluster = []ir.ClusterPolicy{
		admin("a-nodes", 0, "", nil, clusterRule(in, ir.Allow, nodes, 50)),
		admin("x-no-docs", 1, "x", nil, clusterRule(out, ir.Deny, cidr("192.0.2.0/24"), 51),
			clusterRule(out, ir.Deny, nsPods("z", "c"), 52)),
		admin("y-to-z", 2, "y", nil, clusterRule(out, ir.Pass, nsPods("z", ""), 53), clusterRule(out, ir.Allow, everyone, 54)),
		baseline,
	}
	return &q
}

// TestKernelPlatformNodes enforces the platform layer above over every IR
// conformance case's teams' policies in the node cluster of
// TestKernelNodesUnlistedAndServices: a host-network pod of this node and
// one of another node, a replica of x/a the build does not list, a
// Service DNATed to x/a and the node's gateway, with the pod networks
// declared. The interpreter must be no wider than the model (exact where
// nothing was narrowed) and the kernel must do what it says.
func TestKernelPlatformNodes(t *testing.T) {
	runNodeCases(t, "the platform layer, host-network pods, an unlisted pod and a Service", func(n nodeSetup, p *ir.Policy) *ir.Policy {
		return platformLayer(n.withNodes(p), n.nodes)
	})
}
