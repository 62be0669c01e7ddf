package nftables_test

import (
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/netpolc/netpolc/emitters/nftables/nftapi"
	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/portset"
	"github.com/netpolc/netpolc/internal/testkit/conformance"
	"github.com/netpolc/netpolc/internal/testkit/kerneltest"
	"github.com/netpolc/netpolc/internal/testkit/npir"
)

// TestKernelNetworkPolicyConformance enforces, in a real kernel, every case
// of enforcer's conformance suite (package enforcer/conformance) that has
// only NetworkPolicies: the policies go through npir to IR, through Build
// to a ruleset loaded into one shared cluster, and the probed pod × pod ×
// port × protocol matrix must equal the model of the original
// NetworkPolicies on every port, and the case's hand-written table on the
// case's probe port. Cases with admin-layer policies are skipped (the
// nftables emitter enforces IR, which has no tiers), as are cases whose
// cluster has pods without known IPs (a kernel pod needs its address).
func TestKernelNetworkPolicyConformance(t *testing.T) {
	kerneltest.Require(t)
	start := time.Now()
	cl, base := npCluster(t)
	ran, probes := 0, 0
	var skipped []string
	for _, c := range conformance.Cases() {
		t.Run(c.Name, func(t *testing.T) {
			if !c.NetworkPolicyOnly() {
				skipped = append(skipped, c.Name+" (admin-layer policies)")
				t.Skip("admin-layer policies: the nftables emitter enforces IR, which has no tiers")
			}
			inv := c.Inventory()
			if !sameAddrs(inv, base) {
				skipped = append(skipped, c.Name+" (pods without known IPs)")
				t.Skip("the case's cluster has pods whose IPs differ from the kernel pods' addresses")
			}
			if len(c.Extra) > 0 {
				t.Logf("%d probes of external addresses checked by the interpreter only", len(c.Extra))
			}
			n, ok := runNPCase(t, cl, c, inv)
			probes += n
			if ok {
				ran++
			}
		})
	}
	t.Logf("%d of %d cases enforced in the kernel, %d probes in %v; skipped: %q",
		ran, len(conformance.Cases()), probes, time.Since(start), skipped)
	// With every case selected (no -run filter on subtests), the suite
	// must really have run.
	if ran+len(skipped) == len(conformance.Cases()) && !t.Failed() && ran < 60 {
		t.Errorf("only %d conformance cases ran in the kernel", ran)
	}
}

// npCluster is the conformance suite's cluster as pod namespaces,
// listening on the ports of confPorts and every case's probe.
func npCluster(t *testing.T) (*kerneltest.Cluster, inventory.Inventory) {
	t.Helper()
	start := time.Now()
	base := conformance.Inventory()
	// Every conformance pod address (10.N.0.M) on one on-link /8.
	var specs []kerneltest.PodSpec
	for i, ep := range base.Endpoints {
		if ep.ID() != conformance.ID(i) {
			t.Fatalf("endpoint %d is %s, want %s", i, ep.ID(), conformance.ID(i))
		}
		spec := kerneltest.PodSpec{Name: ep.ID()}
		for _, ip := range ep.IPs {
			spec.Addrs = append(spec.Addrs, netip.PrefixFrom(ip, 8))
		}
		specs = append(specs, spec)
	}
	// The serve-* ports, plus every probe port of a case.
	ports := slices.Clone(confPorts)
	for _, c := range conformance.Cases() {
		if p := probePort(t, c); !slices.Contains(ports, p) {
			ports = append(ports, p)
		}
	}
	cl := kerneltest.New(t, specs, ports)
	t.Logf("cluster of %d pods on %d ports up in %v", len(specs), len(ports), time.Since(start))
	return cl, base
}

// runNPCase enforces one case and checks the probes against the model and
// the hand-written table.
func runNPCase(t *testing.T, cl *kerneltest.Cluster, c conformance.Case, inv inventory.Inventory) (int, bool) {
	var sourced []enforcer.SourcedNetworkPolicy
	for _, np := range c.NPs {
		sourced = append(sourced, enforcer.SourcedNetworkPolicy{NetworkPolicy: np})
	}
	pols, err := enforcer.FromNetworkPolicies(sourced)
	if err != nil {
		t.Fatal(err)
	}
	m, err := enforcer.New(inv, pols)
	if err != nil {
		t.Fatal(err)
	}
	p, err := npir.FromNetworkPolicies(c.NPs, inv)
	if err != nil {
		t.Fatalf("npir: %v", err)
	}
	rs := checkInterpreted(t, p, inv, m)
	table, err := conformance.ParseTable(c.Want)
	if err != nil {
		t.Fatal(err)
	}
	probe := probePort(t, c)
	matrix := m.Matrix()
	modelSays := func(s, d int, pt kerneltest.Port) bool {
		return matrix.Ports(conformance.ID(s), conformance.ID(d)).Contains(pt.Proto, pt.Num)
	}
	// The model must agree with the table (enforcer's own conformance test
	// says so too); the probes are then held to both.
	for s := range 9 {
		for d := range 9 {
			if s != d && modelSays(s, d, probe) != table[s][d] {
				t.Fatalf("model disagrees with the table on %s, %s -> %s", probe, conformance.ID(s), conformance.ID(d))
			}
		}
	}
	if probe.Proto == portset.SCTP && !kerneltest.SCTPSupported() {
		t.Logf("SCTP not supported by this kernel: the table's probe %s is not probed", probe)
	}
	n := runKernelWant(t, cl, rs, func(s, d int, pt kerneltest.Port) bool {
		if pt == probe {
			return table[s][d]
		}
		return modelSays(s, d, pt)
	})
	return n, !t.Failed()
}

// runKernelWant loads a ruleset into the cluster (twice: reloading must
// work) and requires the probed matrix to equal want.
func runKernelWant(t *testing.T, cl *kerneltest.Cluster, rs *nftapi.Ruleset, want kerneltest.Want) int {
	t.Helper()
	text := rs.String()
	for range 2 {
		if err := cl.Load(text); err != nil {
			t.Fatalf("%v\n%s", err, text)
		}
	}
	n := cl.Verify(t, want)
	if t.Failed() {
		t.Logf("ruleset:\n%s", text)
	}
	return n
}

// probePort is a case's probe as a kernel port.
func probePort(t *testing.T, c conformance.Case) kerneltest.Port {
	t.Helper()
	s, err := portset.Parse(c.ProbeOrDefault())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range portset.Protocols {
		if rs := s.Ranges(p); len(rs) > 0 {
			return kerneltest.Port{Proto: p, Num: int32(rs[0].First)}
		}
	}
	t.Fatalf("empty probe %q", c.ProbeOrDefault())
	return kerneltest.Port{}
}

// sameAddrs reports whether every endpoint of a has the IPs of b's.
func sameAddrs(a, b inventory.Inventory) bool {
	if len(a.Endpoints) != len(b.Endpoints) {
		return false
	}
	for i := range a.Endpoints {
		if a.Endpoints[i].ID() != b.Endpoints[i].ID() || !slices.Equal(a.Endpoints[i].IPs, b.Endpoints[i].IPs) {
			return false
		}
	}
	return true
}
