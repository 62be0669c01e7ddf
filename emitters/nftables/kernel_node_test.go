package nftables_test

import (
	"errors"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/emitters/nftables"
	"github.com/netpolc/netpolc/emitters/nftables/nftapi"
	"github.com/netpolc/netpolc/enforcer"
	readnft "github.com/netpolc/netpolc/enforcer/nftables"
	"github.com/netpolc/netpolc/enforcer/proof"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/testkit/kerneltest"
)

// The node, its host-network pods, a pod the ruleset does not list and a
// Service, in a real kernel. The cluster is the conformance cluster plus
//
//   - kube-system/agent, a host-network pod of this node: the node's own
//     namespace, at the node's addresses on its bridge;
//   - kube-system/agent-remote, a host-network pod of another node: a
//     namespace on the bridge at that node's addresses, outside the pod
//     networks;
//   - x/a-new, a replica of x/a started after the build: in the cluster,
//     not in the build's inventory, inside the pod networks;
//   - a Service at 172.30.0.10 and 2001:db8:96::10 whose backend is x/a:
//     the pods route it via the node, which DNATs it in prerouting and
//     output at priority dstnat, as kube-proxy does in its iptables and
//     nftables modes;
//   - a CNI gateway address of the node inside the pod networks.
const (
	unlistedID = "x/a-new"
	backendID  = "x/a"
	remoteID   = "kube-system/agent-remote"
	nodeID     = "kube-system/agent"
)

var (
	serviceIPs = []netip.Addr{netip.MustParseAddr("172.30.0.10"), netip.MustParseAddr("2001:db8:96::10")}
	gatewayIP  = netip.MustParseAddr("10.244.1.254")
)

// serviceNAT is kube-proxy's part on the node: the Service's addresses
// DNATed to the backend's, every protocol and port kept.
const serviceNAT = `table inet kube-proxy-test
delete table inet kube-proxy-test
table inet kube-proxy-test {
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		ip daddr 172.30.0.10 dnat ip to 10.244.1.1
		ip6 daddr 2001:db8:96::10 dnat ip6 to fd00:244::1:1
	}
	chain output {
		type nat hook output priority -100; policy accept;
		ip daddr 172.30.0.10 dnat ip to 10.244.1.1
		ip6 daddr 2001:db8:96::10 dnat ip6 to fd00:244::1:1
	}
}
`

// nodeCluster is the cluster above, up, with the build's inventory (no
// x/a-new) and the whole cluster's.
func nodeCluster(t *testing.T) (cl *kerneltest.Cluster, listed, all inventory.Inventory) {
	listed = hostInventory()
	all = withReplica(listed)
	specs := podSpecs(all)
	for i, ep := range all.Endpoints {
		specs[i].Node = ep.ID() == nodeID
	}
	cl = kerneltest.New(t, specs, confPorts)
	cl.AddNodeAddr(netip.PrefixFrom(gatewayIP, 32))
	for _, ip := range serviceIPs {
		via := nodeIPs(0)[slices.IndexFunc(nodeIPs(0), func(a netip.Addr) bool { return a.Is4() == ip.Is4() })]
		cl.Route(netip.PrefixFrom(ip, ip.BitLen()), via)
	}
	if err := cl.Load(serviceNAT); err != nil {
		t.Fatal(err)
	}
	return cl, listed, all
}

// withNodes lets the nodes' addresses reach every pod isolated for
// ingress on every port: a node reaches its pods whatever the ruleset
// says, so the intents must allow it for the ruleset to be exact.
func withNodes(p *ir.Policy) *ir.Policy {
	q := *p
	q.Rules = slices.Clone(p.Rules)
	for i, iso := range p.Isolations {
		if iso.Direction == in {
			q.Rules = append(q.Rules, allow(iso.Subject, in, nodeBlock, 90+i))
		}
	}
	return &q
}

// TestKernelNodesUnlistedAndServices enforces every conformance case, with
// the pod networks declared and the nodes admitted, in the cluster above,
// built without x/a-new and with approximation allowed. The interpreter,
// reading agent as this node, agent-remote as another node's and x/a-new
// as unlisted, must never be wider than the model (exact where nothing was
// narrowed), and the kernel must do exactly what the interpreter says:
// between every two pods, from every pod to the Service (judged as to its
// backend), and from the node to its own gateway address.
func TestKernelNodesUnlistedAndServices(t *testing.T) {
	kerneltest.Require(t)
	start := time.Now()
	cl, listed, all := nodeCluster(t)
	ran, probes := 0, 0
	var refused []string
	for _, c := range confCases {
		t.Run(c.name, func(t *testing.T) {
			p := withNodes(withPodCIDRs(c.p))
			res, err := nftables.BuildResult(p, listed, true)
			if errors.Is(err, kit.ErrUnsupported) {
				refused = append(refused, c.name)
				t.Skipf("refused: %v", err)
			}
			if err != nil {
				t.Fatal(err)
			}
			got := readNodes(t, p, res, all)
			probes += runKernelFamily(t, cl, res.Ruleset, func(s, d int, pt kerneltest.Port, v6 bool) bool {
				return got[v6].Ports(all.Endpoints[s].ID(), all.Endpoints[d].ID()).Contains(pt.Proto, pt.Num)
			})
			probes += checkServiceAndGateway(t, cl, all, got)
			ran++
		})
	}
	t.Logf("%d of %d cases enforced with host-network pods, an unlisted pod and a Service, %d probes in %v; refused: %q",
		ran, len(confCases), probes, time.Since(start), refused)
	if ran+len(refused) == len(confCases) && ran < len(confCases)-4 {
		t.Errorf("only %d cases ran", ran)
	}
}

// readNodes interprets the ruleset over the whole cluster and holds it to
// the model of the intents over the whole cluster: never wider, and exact
// between listed pods unless a rule was narrowed. It returns the
// interpreter's reading per address family (false IPv4, true IPv6) with
// x/a-new at its address of that family only: nothing ties an unlisted
// pod's two addresses together in the ruleset, which may treat them
// differently, and the kernel is probed per family.
func readNodes(t *testing.T, p *ir.Policy, res *nftables.Result, all inventory.Inventory) map[bool]*enforcer.Connectivity {
	t.Helper()
	m := reference(t, p, all)
	read := func(inv inventory.Inventory) *enforcer.Connectivity {
		got, err := readnft.Interpret(res.Ruleset, inv, readnft.WithExternalPeers(m.ExternalPeers()...),
			readnft.WithRemoteHosts(remoteID), readnft.WithUnlisted(unlistedID))
		if err != nil {
			t.Fatalf("Interpret: %v\n%s", err, res.Ruleset)
		}
		return got
	}
	d := enforcer.Diff(m.Matrix(), read(all))
	if proof.Wider(d) {
		t.Fatalf("wider than the intents: %+v\n%s", d, res.Ruleset)
	}
	for _, c := range append(d.Closed, d.Changed...) {
		if c.Src != unlistedID && c.Dst != unlistedID && len(res.Narrowed) == 0 {
			t.Fatalf("%s -> %s differs from the model without a warning: %+v", c.Src, c.Dst, d)
		}
	}
	out := map[bool]*enforcer.Connectivity{}
	for _, v6 := range []bool{false, true} {
		inv := all
		inv.Endpoints = slices.Clone(all.Endpoints)
		i := slices.IndexFunc(inv.Endpoints, func(e inventory.Endpoint) bool { return e.ID() == unlistedID })
		inv.Endpoints[i].IPs = slices.DeleteFunc(slices.Clone(inv.Endpoints[i].IPs), func(a netip.Addr) bool { return a.Is6() != v6 })
		out[v6] = read(inv)
	}
	return out
}

// runKernelFamily is runKernelWant with a want per address family.
func runKernelFamily(t *testing.T, cl *kerneltest.Cluster, rs *nftapi.Ruleset, want kerneltest.WantByFamily) int {
	t.Helper()
	text := rs.String()
	for range 2 {
		if err := cl.Load(text); err != nil {
			t.Fatalf("%v\n%s", err, text)
		}
	}
	n := cl.VerifyByFamily(t, want)
	if t.Failed() {
		t.Logf("ruleset:\n%s", text)
	}
	return n
}

// checkServiceAndGateway probes the Service from every pod but its
// backend (a pod reaching itself through a Service needs hairpin NAT,
// which this bridge does not do), wanting what the interpreter allows to
// the backend, and the node's gateway address from the node, which it
// always reaches.
func checkServiceAndGateway(t *testing.T, cl *kerneltest.Cluster, all inventory.Inventory, got map[bool]*enforcer.Connectivity) int {
	t.Helper()
	var probes []kerneltest.Probe
	node := slices.IndexFunc(all.Endpoints, func(e inventory.Endpoint) bool { return e.ID() == nodeID })
	for s, ep := range all.Endpoints {
		if ep.ID() == backendID {
			continue
		}
		for _, vip := range serviceIPs {
			for _, pt := range cl.Ports() {
				probes = append(probes, kerneltest.Probe{From: s, To: vip, Port: pt})
			}
		}
	}
	for _, pt := range cl.Ports() {
		probes = append(probes, kerneltest.Probe{From: node, To: gatewayIP, Port: pt})
	}
	return cl.Check(t, probes, func(pr kerneltest.Probe) bool {
		if pr.To == gatewayIP {
			return true
		}
		return got[pr.To.Is6()].Ports(all.Endpoints[pr.From].ID(), backendID).Contains(pr.Port.Proto, pr.Port.Num)
	})
}
