package target

import (
	"fmt"
	"slices"
	"testing"

	"github.com/netpolc/netpolc/emitters/adminpolicy"
	"github.com/netpolc/netpolc/emitters/calico"
	"github.com/netpolc/netpolc/emitters/calico/calicoapi"
	"github.com/netpolc/netpolc/emitters/cilium"
	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/emitters/nftables"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/testkit/randir"
)

// TestPlatformEquivalence is the equivalence property over random
// platform layers, alone and over the random teams' egress policies: the
// adminpolicy target, with every option combination, builds them proven
// or refuses with kit.ErrUnsupported (check); every other target refuses
// them all, with or without allow-approximate.
func TestPlatformEquivalence(t *testing.T) {
	seeds := randir.Seeds(t)
	for _, tg := range all() {
		for _, s := range settings(t, tg, false) {
			for _, approx := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s %v approximate=%v", tg.Name(), s, approx), func(t *testing.T) {
					built := 0
					for seed := range seeds {
						p, inv := randir.Generate(seed, 1+int(seed%12))
						alone := &ir.Policy{Namespaces: p.Namespaces, Workloads: p.Workloads, DNS: p.DNS}
						over := randir.WithCluster(randir.EgressOnly(p), seed)
						for _, v := range []variant{
							{fmt.Sprintf("seed %d platform", seed), randir.WithCluster(alone, seed), inv},
							{fmt.Sprintf("seed %d platform over teams", seed), over, inv},
							{fmt.Sprintf("seed %d platform over teams with IPs", seed), over, randir.WithIPs(inv)},
							{fmt.Sprintf("seed %d platform over teams with a host-network pod", seed), over, withHostNetwork(randir.WithIPs(inv), seed)},
						} {
							if check(t, tg, v, s, approx) {
								built++
							}
						}
					}
					t.Logf("%d of %d built", built, 4*seeds)
					switch {
					case !expresses(tg, s) && built > 0:
						t.Errorf("%d cases with cluster-wide intents built: the target must refuse them", built)
					case tg.Name() == (cilium.Emitter{}).Name() && built < int(seeds)/20:
						// cilium refuses every baseline intent and the
						// admin orders its deny precedence cannot give.
						t.Errorf("only %d of %d cases built: the property says little", built, 4*seeds)
					case tg.Name() != (cilium.Emitter{}).Name() && expresses(tg, s) && built < int(seeds)/4:
						t.Errorf("only %d of %d cases built: the property says little", built, 4*seeds)
					}
				})
			}
		}
	}
}

// withHostNetwork puts one endpoint of inv, chosen by seed, on its node's
// network.
func withHostNetwork(inv inventory.Inventory, seed int64) inventory.Inventory {
	if len(inv.Endpoints) == 0 {
		return inv
	}
	inv.Endpoints = slices.Clone(inv.Endpoints)
	inv.Endpoints[int(seed)%len(inv.Endpoints)].HostNetwork = true
	return inv
}

// expresses reports whether a target, with settings s, expresses the
// platform layer: adminpolicy, cilium (the admin rules its deny
// precedence orders as the tier does), nftables (for pod IPs it knows;
// host-network pods where the layer denies and passes them nothing), and calico from 3.29 (tiers).
func expresses(tg Target, s kit.Settings) bool {
	switch tg.Name() {
	case (adminpolicy.Emitter{}).Name(), (cilium.Emitter{}).Name(), (nftables.Emitter{}).Name():
		return true
	case (calico.Emitter{}).Name():
		v, err := calicoapi.ParseVersion(s.Value(calicoapi.OptionVersion, ""))
		return err == nil && v.AtLeast(calicoapi.TiersSince.Major, calicoapi.TiersSince.Minor)
	}
	return false
}
