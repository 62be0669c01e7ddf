package nftables_test

import (
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/enforcer"

	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/emitters/nftables"
	"github.com/netpolc/netpolc/emitters/nftables/nftapi"
	readnft "github.com/netpolc/netpolc/enforcer/nftables"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/portset"
)

// Host-network pods, pods the ruleset does not list and service traffic:
// what a ruleset loaded on a real node sees beyond the inventory's pods.

// nodeIPs are the addresses of the node the kernel test runs (node 0) and
// of a second node (1), on the pods' link but outside their pod networks.
func nodeIPs(n int) []netip.Addr {
	return []netip.Addr{netip.AddrFrom4([4]byte{10, 244, 0, byte(1 + n)}),
		netip.MustParseAddr("fd00:244::" + string(rune('1'+n)))}
}

// podCIDRs are the conformance cluster's pod networks: one /24 and /112
// per namespace's pods ("node"), none holding a node address.
var podCIDRs = []string{"10.244.1.0/24", "10.244.2.0/24", "10.244.3.0/24",
	"fd00:244::1:0/112", "fd00:244::2:0/112", "fd00:244::3:0/112"}

// hostInventory is the conformance cluster plus two host-network pods of
// a DaemonSet-like agent: kube-system/agent on node 0 and
// kube-system/agent-remote on node 1.
func hostInventory() inventory.Inventory {
	inv := confInventory()
	inv.Namespaces = append(inv.Namespaces, inventory.Namespace{Name: "kube-system",
		Labels: map[string]string{inventory.MetadataNameLabel: "kube-system", "ns": "kube-system"}})
	for i, name := range []string{"agent", "agent-remote"} {
		inv.Endpoints = append(inv.Endpoints, inventory.Endpoint{Namespace: "kube-system", Name: name, Kind: "DaemonSet",
			Labels: map[string]string{"pod": "agent"}, IPs: nodeIPs(i), HostNetwork: true})
	}
	inv.Sort()
	return inv
}

var (
	agentSubject = ir.Subject{Namespace: "kube-system", Name: "agent", Pods: *labels("pod", "agent")}
	nodeBlock    = ir.Peer{Kind: ir.PeerCIDR, CIDRs: []ir.IPBlock{{CIDR: "10.244.0.0/24"}, {CIDR: "fd00:244::/112"}}}
)

// hostRefusals are intents a ruleset cannot enforce once host-network pods
// are in the inventory.
var hostRefusals = []struct {
	name  string
	p     *ir.Policy
	wants []string
}{
	{"a subject selects a host-network pod", policy(isolate(agentSubject, in)),
		[]string{"intents/conf.cue:1:3", "kube-system/agent", "host-network"}},
	{"a pod peer selects a host-network pod", policy(isolate(xa, out), allow(xa, out, pods(labels(), nil), 10)),
		[]string{"intents/conf.cue:10:3", "kube-system/agent", "kube-system/agent-remote", "host-network"}},
	{"an isolated pod does not admit the node's traffic", policy(isolate(xa, in), allow(xa, in, localPods(nil), 10)),
		[]string{"intents/conf.cue:1:3", "kube-system/agent", "x/a", "its node"}},
	{"the node's traffic only on some ports", policy(isolate(xa, in), allow(xa, in, nodeBlock, 10, tcp(80))),
		[]string{"kube-system/agent", "x/a"}},
}

// TestHostNetworkRefused: a host-network pod is its node's traffic. The
// ruleset never puts its address in a pod chain or pod set, and refuses
// what that leaves it unable to enforce, naming the pod and the intent.
func TestHostNetworkRefused(t *testing.T) {
	for _, tc := range hostRefusals {
		t.Run(tc.name, func(t *testing.T) {
			rs, err := nftables.Build(tc.p, hostInventory())
			if err == nil {
				t.Fatalf("built:\n%s", rs)
			}
			if !errors.Is(err, nftables.ErrHostNetwork) || !errors.Is(err, kit.ErrUnsupported) {
				t.Errorf("error %v is not ErrHostNetwork and kit.ErrUnsupported", err)
			}
			for _, w := range tc.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

// hostCases are intents the ruleset enforces with host-network pods in the
// inventory: the node's addresses are admitted by ipBlock on every port
// wherever a pod is isolated for ingress.
var hostCases = []confCase{
	{"no policies", policy(nil)},
	{"node admitted on every port", policy(isolate(xAll, in),
		allow(xAll, in, nodeBlock, 10), allow(xAll, in, localPods(labels("pod", "b")), 11, tcp(80)))},
	{"egress to the nodes on one port", policy(isolate(xa, out), allow(xa, out, nodeBlock, 10, tcp(81)))},
	{"egress to everything", policy(isolate(yAll, out), allow(yAll, out, everyone, 10))},
}

// TestHostNetworkEnforced: the interpreted ruleset equals the model, and
// no node address is a map key or a pod set element.
func TestHostNetworkEnforced(t *testing.T) {
	inv := hostInventory()
	for _, c := range hostCases {
		t.Run(c.name, func(t *testing.T) {
			rs := checkInterpreted(t, c.p, inv, reference(t, c.p, inv))
			assertNoNodeIPs(t, rs, inv)
		})
	}
}

func assertNoNodeIPs(t *testing.T, rs *nftapi.Ruleset, inv inventory.Inventory) {
	t.Helper()
	var node []netip.Addr
	for _, ep := range inv.Endpoints {
		if ep.HostNetwork {
			node = append(node, ep.IPs...)
		}
	}
	for _, m := range rs.Maps {
		for _, e := range m.Elements {
			if slices.Contains(node, e.Key) {
				t.Errorf("map %s sends node address %s to %v", m.Name, e.Key, e.Verdict)
			}
		}
	}
}

// TestHostNetworkReadAsNode: the interpreter reads a host-network pod's
// traffic as its node's, which the ruleset never filters on the way to the
// node's pods, whatever their chains say.
func TestHostNetworkReadAsNode(t *testing.T) {
	inv := hostInventory()
	p := policy(isolate(xAll, in), allow(xAll, in, nodeBlock, 10, tcp(80)))
	rs, err := nftables.BuildResult(p, inv, true)
	if err == nil {
		t.Fatalf("built although the node reaches x on every port:\n%s", rs.Ruleset)
	}
	// Without the host-network pods the same ruleset admits only TCP/80
	// from the node addresses; read over the inventory with them, the
	// agent reaches x/a on every port.
	plain := confInventory()
	rsPlain, err := nftables.Build(p, plain)
	if err != nil {
		t.Fatal(err)
	}
	got, err := readnft.Interpret(rsPlain, inv)
	if err != nil {
		t.Fatal(err)
	}
	if ports := got.Ports("kube-system/agent", "x/a"); !ports.Equal(portset.All()) {
		t.Errorf("agent -> x/a: %s, want every port (the node's own traffic)", ports)
	}
	remote, err := readnft.Interpret(rsPlain, inv, readnft.WithRemoteHosts("kube-system/agent-remote"))
	if err != nil {
		t.Fatal(err)
	}
	if ports := remote.Ports("kube-system/agent-remote", "x/a").String(); ports != "TCP/80" {
		t.Errorf("agent on another node -> x/a, as this node sees it: %s, want TCP/80", ports)
	}
}

// TestHostPeerNarrowed: with approximation, a pod peer selecting
// host-network pods leaves them out, with a warning, and the ruleset is
// narrower than the intents, never wider.
func TestHostPeerNarrowed(t *testing.T) {
	inv := hostInventory()
	p := policy(isolate(xa, out), allow(xa, out, pods(labels(), nil), 10))
	res, err := nftables.BuildResult(p, inv, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Narrowed) != 1 || !strings.Contains(res.Narrowed[0].String(), "kube-system/agent-remote") {
		t.Errorf("narrowed: %v", res.Narrowed)
	}
	m := reference(t, p, inv)
	got, err := readnft.Interpret(res.Ruleset, inv, readnft.WithExternalPeers(m.ExternalPeers()...))
	if err != nil {
		t.Fatal(err)
	}
	d := enforcer.Diff(m.Matrix(), got)
	if d.Wider() || len(d.Closed) != 2 {
		t.Errorf("want x/a -> the two agents closed, nothing opened: %+v", d)
	}
	assertNoNodeIPs(t, res.Ruleset, inv)
}
