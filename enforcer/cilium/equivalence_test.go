package cilium

import (
	"slices"
	"testing"

	"github.com/netpolc/netpolc/enforcer/proof"

	emit "github.com/netpolc/netpolc/emitters/cilium"
	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/testkit/randir"
)

// TestEquivalenceWithoutKnownGaps runs the random policies without what
// the emitter refuses by design (pod IPs, egress named ports), so that
// everything else is proven exact on every seed.
func TestEquivalenceWithoutKnownGaps(t *testing.T) {
	for seed := range randir.Seeds(t) {
		p, _ := randir.Generate(seed, 1+int(seed%10))
		p = tame(p)
		inv := enforcer.InventoryFromIR(p)
		objs, _, err := emit.Build(p, emit.Options{})
		if err != nil {
			t.Fatalf("seed %d: Build: %v", seed, err)
		}
		got, err := interpret(objs)
		if err != nil {
			t.Fatalf("seed %d: Interpret: %v", seed, err)
		}
		d, err := randir.Diff(inv, randir.Reference(t, p), got)
		if err != nil {
			t.Fatal(err)
		}
		if d != "" {
			t.Fatalf("seed %d: Cilium differs from NetworkPolicy (- NetworkPolicy only, + Cilium only):\n%s", seed, d)
		}
	}
}

// tame returns p without pod IPs and without egress named ports (a rule
// left with no port is dropped: no port would mean every port).
func tame(p *ir.Policy) *ir.Policy {
	q := *p
	q.Workloads = slices.Clone(p.Workloads)
	for i := range q.Workloads {
		q.Workloads[i].IPs = nil
	}
	q.Rules = nil
	for _, r := range p.Rules {
		if r.Direction == ir.Egress && len(r.Ports) > 0 {
			r.Ports = slices.DeleteFunc(slices.Clone(r.Ports), func(p ir.Port) bool { return p.Name != "" })
			if len(r.Ports) == 0 {
				continue
			}
		}
		q.Rules = append(q.Rules, r)
	}
	return &q
}

// TestApproximationIsNarrower checks that under AllowApproximate every
// random policy builds and allows nothing the NetworkPolicies do not.
func TestApproximationIsNarrower(t *testing.T) {
	for seed := range randir.Seeds(t) {
		p, inv := randir.Generate(seed, 1+int(seed%10))
		objs, warns, err := emit.Build(p, emit.Options{AllowApproximate: true})
		if err != nil {
			t.Fatalf("seed %d: Build: %v", seed, err)
		}
		got, err := interpret(objs)
		if err != nil {
			t.Fatalf("seed %d: Interpret: %v", seed, err)
		}
		ref := randir.Reference(t, p)
		d, err := proof.Compare(inv, ref, got)
		if err != nil {
			t.Fatal(err)
		}
		if d.Empty() {
			continue
		}
		text, _ := randir.Diff(inv, ref, got)
		if len(warns) == 0 {
			t.Fatalf("seed %d: differs without a warning:\n%s", seed, text)
		}
		if d.Wider() {
			t.Fatalf("seed %d: approximation is wider than NetworkPolicy:\n%s", seed, text)
		}
	}
}

// TestCIDRsIgnorePodIPs pins down the interpretation of CIDR rules: Cilium
// never matches a cluster endpoint with one, so the Cilium policies (with
// the CIDRs the approximation keeps) over the inventory must allow exactly
// what the NetworkPolicies allow over the same inventory without pod IPs,
// where ipBlocks match no pod either.
//
// Policies with a named port that some workload declares with another
// protocol are skipped: there the interpretation of ingress CIDRs is
// knowingly wider (see the package documentation).
func TestCIDRsIgnorePodIPs(t *testing.T) {
	checked := 0
	for seed := range randir.Seeds(t) {
		p, inv := randir.Generate(seed, 1+int(seed%10))
		if namedPortMismatch(p) {
			continue
		}
		checked++
		objs, _, err := emit.Build(p, emit.Options{AllowApproximate: true, EgressNamedPortsPerDestination: true})
		if err != nil {
			t.Fatalf("seed %d: Build: %v", seed, err)
		}
		got, err := interpret(objs)
		if err != nil {
			t.Fatalf("seed %d: Interpret: %v", seed, err)
		}
		noIPs := inv
		noIPs.Endpoints = slices.Clone(inv.Endpoints)
		for i := range noIPs.Endpoints {
			noIPs.Endpoints[i].IPs = nil
		}
		d, err := proof.CompareAcross(noIPs, randir.Reference(t, p), inv, got)
		if err != nil {
			t.Fatal(err)
		}
		if !d.Empty() {
			t.Fatalf("seed %d: Cilium over the inventory differs from NetworkPolicy without pod IPs: %+v", seed, d)
		}
	}
	if checked < int(randir.Seeds(t))/4 {
		t.Errorf("only %d of %d policies checked", checked, randir.Seeds(t))
	}
}

// namedPortMismatch reports whether a rule names a port that a workload
// declares with another protocol.
func namedPortMismatch(p *ir.Policy) bool {
	for _, r := range p.Rules {
		for _, port := range r.Ports {
			for _, w := range p.Workloads {
				for _, np := range w.Ports {
					if port.Name != "" && np.Name == port.Name && np.Protocol != port.Protocol {
						return true
					}
				}
			}
		}
	}
	return false
}
