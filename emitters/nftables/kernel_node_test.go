package nftables_test

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
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

// nodeSetup is the cluster above for one address plan.
type nodeSetup struct {
	listed, all inventory.Inventory // the build's, and the cluster's (with x/a-new)
	podCIDRs    []string
	nodes       ir.Peer      // an ipBlock of the nodes' addresses
	services    []netip.Addr // the Service's addresses, one per family
	gateway     netip.Addr   // the node's CNI gateway address
	onLink      int          // the IPv4 prefix length of the pods' link (IPv6: /64)
}

// confNodeSetup is the plan of the nftables conformance cluster
// (hostInventory, withReplica).
func confNodeSetup() nodeSetup {
	listed := hostInventory()
	return nodeSetup{listed: listed, all: withReplica(listed), podCIDRs: podCIDRs, nodes: nodeBlock,
		services: []netip.Addr{netip.MustParseAddr("172.30.0.10"), netip.MustParseAddr("2001:db8:96::10")},
		gateway:  netip.MustParseAddr("10.244.1.254"), onLink: 16}
}

func (n nodeSetup) endpoint(id string) (int, inventory.Endpoint) {
	i := slices.IndexFunc(n.all.Endpoints, func(e inventory.Endpoint) bool { return e.ID() == id })
	return i, n.all.Endpoints[i]
}

// sameFamily is the address of ips in the family of a.
func sameFamily(ips []netip.Addr, a netip.Addr) netip.Addr {
	return ips[slices.IndexFunc(ips, func(b netip.Addr) bool { return b.Is4() == a.Is4() })]
}

// serviceNAT is kube-proxy's part on the node: the Service's addresses
// DNATed to the backend's in prerouting and output, every protocol and
// port kept.
func (n nodeSetup) serviceNAT() string {
	_, backend := n.endpoint(backendID)
	var rules strings.Builder
	for _, vip := range n.services {
		fam := "ip"
		if vip.Is6() {
			fam = "ip6"
		}
		fmt.Fprintf(&rules, "\t\t%s daddr %s dnat %s to %s\n", fam, vip, fam, sameFamily(backend.IPs, vip))
	}
	return "table inet kube-proxy-test\ndelete table inet kube-proxy-test\ntable inet kube-proxy-test {\n" +
		"\tchain prerouting {\n\t\ttype nat hook prerouting priority dstnat; policy accept;\n" + rules.String() + "\t}\n" +
		"\tchain output {\n\t\ttype nat hook output priority -100; policy accept;\n" + rules.String() + "\t}\n}\n"
}

// cluster brings the cluster up, listening on ports.
func (n nodeSetup) cluster(t *testing.T, ports []kerneltest.Port) *kerneltest.Cluster {
	specs := podSpecs(n.all)
	for i, ep := range n.all.Endpoints {
		specs[i].Node = ep.ID() == nodeID
		for j, a := range specs[i].Addrs {
			if a.Addr().Is4() {
				specs[i].Addrs[j] = netip.PrefixFrom(a.Addr(), n.onLink)
			}
		}
	}
	cl := kerneltest.New(t, specs, ports)
	cl.AddNodeAddr(netip.PrefixFrom(n.gateway, 32))
	_, node := n.endpoint(nodeID)
	for _, ip := range n.services {
		cl.Route(netip.PrefixFrom(ip, ip.BitLen()), sameFamily(node.IPs, ip))
	}
	if err := cl.Load(n.serviceNAT()); err != nil {
		t.Fatal(err)
	}
	return cl
}

// withNodes declares the pod networks and lets the nodes' addresses reach
// every pod isolated for ingress on every port: a node reaches its pods
// whatever the ruleset says, so the intents must allow it for the ruleset
// to be exact.
func (n nodeSetup) withNodes(p *ir.Policy) *ir.Policy {
	q := *p
	q.PodCIDRs = n.podCIDRs
	q.Rules = slices.Clone(p.Rules)
	for i, iso := range p.Isolations {
		if iso.Direction == in {
			q.Rules = append(q.Rules, allow(iso.Subject, in, n.nodes, 90+i))
		}
	}
	return &q
}

// run builds p with approximation over the listed pods, holds the
// interpretation to the model, and the kernel to the interpretation. It
// returns the number of probes, -1 when the build refused p.
func (n nodeSetup) run(t *testing.T, cl *kerneltest.Cluster, p *ir.Policy) int {
	t.Helper()
	res, err := nftables.BuildResult(p, n.listed, true)
	if errors.Is(err, kit.ErrUnsupported) {
		t.Logf("refused: %v", err)
		return -1
	}
	if err != nil {
		t.Fatal(err)
	}
	got := readNodes(t, p, res, n.all)
	probes := runKernelFamily(t, cl, res.Ruleset, got.allows)
	return probes + n.checkServiceAndGateway(t, cl, got)
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
	runNodeCases(t, "host-network pods, an unlisted pod and a Service", func(n nodeSetup, p *ir.Policy) *ir.Policy { return n.withNodes(p) })
}

// runNodeCases enforces every conformance case, as policy makes it of the
// case's policy, in the node cluster (confNodeSetup), each case proven and
// probed by nodeSetup.run; at most four may be refused (they are logged).
func runNodeCases(t *testing.T, what string, policy func(nodeSetup, *ir.Policy) *ir.Policy) {
	kerneltest.Require(t)
	start := time.Now()
	n := confNodeSetup()
	cl := n.cluster(t, confPorts)
	ran, probes := 0, 0
	var refused []string
	for _, c := range confCases {
		t.Run(c.name, func(t *testing.T) {
			if k := n.run(t, cl, policy(n, c.p)); k < 0 {
				refused = append(refused, c.name)
			} else {
				probes += k
				ran++
			}
		})
	}
	t.Logf("%d of %d cases enforced with %s, %d probes in %v; refused: %q",
		ran, len(confCases), what, probes, time.Since(start), refused)
	if ran+len(refused) == len(confCases) && ran < len(confCases)-4 {
		t.Errorf("only %d cases ran", ran)
	}
}

// nodeReading is the interpreter's reading per address family (false
// IPv4, true IPv6), by pod index of the cluster.
type nodeReading struct {
	got map[bool]*enforcer.Connectivity
	ids [2][]string // addrView.ids
}

// allows reports whether pod s may reach pod d on pt over one family.
func (r nodeReading) allows(s, d int, pt kerneltest.Port, v6 bool) bool {
	fam := 0
	if v6 {
		fam = 1
	}
	return r.got[v6].Ports(r.ids[fam][s], r.ids[fam][d]).Contains(pt.Proto, pt.Num)
}

// readNodes interprets the ruleset over the whole cluster and holds it to
// the model of the intents over the whole cluster, per address (addrView):
// never wider, and exact between listed pods unless a rule was narrowed.
// It returns the interpreter's reading per address family with x/a-new at
// its address of that family only: nothing ties an unlisted pod's two
// addresses together in the ruleset, which may treat them differently,
// and the kernel is probed per family.
func readNodes(t *testing.T, p *ir.Policy, res *nftables.Result, all inventory.Inventory) nodeReading {
	t.Helper()
	v := newAddrView(t, p, all, reference(t, p, all))
	unlisted := func(id string) bool { return proof.PieceOf(id, unlistedID) }
	read := func(inv inventory.Inventory) *enforcer.Connectivity {
		got, err := readnft.Interpret(res.Ruleset, inv, readnft.WithExternalPeers(v.model.ExternalPeers()...),
			readnft.WithRemoteHosts(proof.Pieces(v.inv, remoteID)...), readnft.WithUnlisted(proof.Pieces(v.inv, unlistedID)...))
		if err != nil {
			t.Fatalf("Interpret: %v\n%s", err, res.Ruleset)
		}
		return got
	}
	d := enforcer.Diff(v.matrix, read(v.inv))
	if d.Wider() {
		t.Fatalf("wider than the intents: %+v\n%s", d, res.Ruleset)
	}
	for _, c := range append(d.Closed, d.Changed...) {
		if !unlisted(c.Src) && !unlisted(c.Dst) && len(res.Narrowed) == 0 {
			t.Fatalf("%s -> %s differs from the model without a warning: %+v", c.Src, c.Dst, d)
		}
	}
	out := nodeReading{got: map[bool]*enforcer.Connectivity{}, ids: v.ids}
	for _, v6 := range []bool{false, true} {
		inv := v.inv
		inv.Endpoints = slices.Clone(v.inv.Endpoints)
		i := slices.IndexFunc(inv.Endpoints, func(e inventory.Endpoint) bool { return e.ID() == unlistedID })
		if i < 0 { // split per address already
			out.got[v6] = read(inv)
			continue
		}
		inv.Endpoints[i].IPs = slices.DeleteFunc(slices.Clone(inv.Endpoints[i].IPs), func(a netip.Addr) bool { return a.Is6() != v6 })
		if len(inv.Endpoints[i].IPs) > 0 { // else the cluster has no address of the family
			out.got[v6] = read(inv)
		}
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
func (n nodeSetup) checkServiceAndGateway(t *testing.T, cl *kerneltest.Cluster, got nodeReading) int {
	t.Helper()
	var probes []kerneltest.Probe
	node, _ := n.endpoint(nodeID)
	backend, _ := n.endpoint(backendID)
	for s, ep := range n.all.Endpoints {
		if ep.ID() == backendID {
			continue
		}
		for _, vip := range n.services {
			for _, pt := range cl.Ports() {
				probes = append(probes, kerneltest.Probe{From: s, To: vip, Port: pt})
			}
		}
	}
	for _, pt := range cl.Ports() {
		probes = append(probes, kerneltest.Probe{From: node, To: n.gateway, Port: pt})
	}
	return cl.Check(t, probes, func(pr kerneltest.Probe) bool {
		if pr.To == n.gateway {
			return true
		}
		return got.allows(pr.From, backend, pr.Port, pr.To.Is6())
	})
}
