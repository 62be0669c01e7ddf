package nftables_test

import (
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/netpolc/netpolc/compiler"
	"github.com/netpolc/netpolc/emitters/nftables/nftapi"
	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/intent"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/portset"
	"github.com/netpolc/netpolc/internal/testkit/kerneltest"
)

// TestHelperListener is the pod listener the kernel tests start in each
// pod namespace by re-executing this test binary; run normally it passes
// at once.
func TestHelperListener(t *testing.T) { kerneltest.HelperListener() }

// podSpecs gives each endpoint of inv a pod namespace with its IPs, on
// the subnets the fixtures use.
func podSpecs(inv inventory.Inventory) []kerneltest.PodSpec {
	var out []kerneltest.PodSpec
	for _, ep := range inv.Endpoints {
		spec := kerneltest.PodSpec{Name: ep.ID()}
		for _, ip := range ep.IPs {
			bits := 16
			if ip.Is6() {
				bits = 64
			}
			spec.Addrs = append(spec.Addrs, netip.PrefixFrom(ip, bits))
		}
		out = append(out, spec)
	}
	return out
}

// runKernel loads the case's ruleset into the cluster (twice: reloading
// must work) and requires the probed matrix to equal the model's, per
// address (addrView).
func runKernel(t *testing.T, cl *kerneltest.Cluster, p *ir.Policy, inv inventory.Inventory, rs *nftapi.Ruleset, m *enforcer.Model) int {
	t.Helper()
	text := rs.String()
	for range 2 {
		if err := cl.Load(text); err != nil {
			t.Fatalf("%v\n%s", err, text)
		}
	}
	n := cl.VerifyByFamily(t, newAddrView(t, p, inv, m).allows)
	if t.Failed() {
		t.Logf("ruleset:\n%s", text)
	}
	return n
}

var confPorts = []kerneltest.Port{
	{Proto: portset.TCP, Num: 80}, {Proto: portset.TCP, Num: 81},
	{Proto: portset.UDP, Num: 80}, {Proto: portset.UDP, Num: 81},
	{Proto: portset.SCTP, Num: 80}, {Proto: portset.SCTP, Num: 81},
}

// TestKernelConformance enforces every conformance case in a real kernel
// and probes the whole pod × pod × port × protocol matrix over IPv4 and
// IPv6.
func TestKernelConformance(t *testing.T) {
	kerneltest.Require(t)
	start := time.Now()
	inv := confInventory()
	inv.Sort()
	cl := kerneltest.New(t, podSpecs(inv), confPorts)
	t.Logf("cluster of %d pods up in %v", len(inv.Endpoints), time.Since(start))
	probes := 0
	for _, c := range confCases {
		t.Run(c.name, func(t *testing.T) {
			m := reference(t, c.p, inv)
			rs := checkInterpreted(t, c.p, inv, m)
			probes += runKernel(t, cl, c.p, inv, rs, m)
		})
	}
	t.Logf("%d cases, %d probes in %v", len(confCases), probes, time.Since(start))
}

// TestKernelShop compiles examples/shop and enforces it in a real kernel,
// every workload one pod with an IPv4 and an IPv6 address.
func TestKernelShop(t *testing.T) { kernelExample(t, "../../examples/shop") }

// TestKernelPlatform compiles examples/platform, every platform template
// over the teams' policies, and enforces it in a real kernel: the admin
// rules (Allow, Deny, Pass to the teams' part), the teams' policies and
// the baseline in each pod's chains, probed against the model of the
// intents, tiers included.
func TestKernelPlatform(t *testing.T) { kernelExample(t, "../../examples/platform") }

// kernelExample compiles the example in dir and enforces it in a real
// kernel, every workload one pod with an IPv4 and an IPv6 address.
func kernelExample(t *testing.T, dir string) {
	kerneltest.Require(t)
	start := time.Now()
	p, inv, ports := exampleSetup(t, dir)
	m := reference(t, p, inv)
	rs := checkInterpreted(t, p, inv, m)
	cl := kerneltest.New(t, podSpecs(inv), ports)
	n := runKernel(t, cl, p, inv, rs, m)
	t.Logf("%d workloads, %d probes in %v", len(inv.Endpoints), n, time.Since(start))
}

// exampleSetup compiles the example in dir and gives every workload one
// pod with an IPv4 and an IPv6 address; the ports are every declared
// container port plus DNS and 443.
func exampleSetup(t *testing.T, dir string) (*ir.Policy, inventory.Inventory, []kerneltest.Port) {
	t.Helper()
	set, err := intent.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	res, err := compiler.Compile(set)
	if err != nil {
		t.Fatal(err)
	}
	inv := enforcer.InventoryFromIR(res.Policy)
	var ports []kerneltest.Port
	for i := range inv.Endpoints {
		inv.Endpoints[i].IPs = podIPs(1+i/9, 1+i%9)
		for _, p := range inv.Endpoints[i].Ports {
			proto, _ := portset.ParseProtocol(p.Protocol.String())
			ports = append(ports, kerneltest.Port{Proto: proto, Num: p.Port})
		}
	}
	ports = append(ports, kerneltest.Port{Proto: portset.UDP, Num: 53}, kerneltest.Port{Proto: portset.TCP, Num: 53}, kerneltest.Port{Proto: portset.TCP, Num: 443})
	slices.SortFunc(ports, func(a, b kerneltest.Port) int {
		return int(a.Proto)*70000 + int(a.Num) - int(b.Proto)*70000 - int(b.Num)
	})
	return res.Policy, inv, slices.Compact(ports)
}
