package nftables_test

import (
	"testing"

	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/enforcer/proof"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/testkit/kerneltest"
)

// addrView is the reference per address: the intents' policies over the
// inventory with every endpoint whose addresses the model's blocks tell
// apart split into one endpoint per piece (proof.SplitAddresses), which
// is what a ruleset deciding per packet must match; ids name, per pod of
// the original inventory and address family, the endpoint its address of
// that family became.
type addrView struct {
	inv    inventory.Inventory
	model  *enforcer.Model
	matrix *enforcer.Connectivity
	ids    [2][]string // [v6][pod]
}

func newAddrView(t testing.TB, p *ir.Policy, inv inventory.Inventory, m *enforcer.Model) addrView {
	t.Helper()
	split, ok := proof.SplitAddresses(m, inv)
	v := addrView{inv: inv, model: m}
	if ok {
		v.inv = split
		var err error
		if v.model, err = enforcer.New(split, refPolicies(t, p)); err != nil {
			t.Fatal(err)
		}
	}
	v.matrix = v.model.Matrix()
	idOf := map[string]string{}
	for _, ep := range v.inv.Endpoints {
		for _, ip := range ep.IPs {
			idOf[ip.String()] = ep.ID()
		}
	}
	for _, ep := range inv.Endpoints {
		for fam := range 2 {
			id := ep.ID()
			for _, ip := range ep.IPs {
				if ip.Is6() == (fam == 1) {
					id = idOf[ip.String()]
					break
				}
			}
			v.ids[fam] = append(v.ids[fam], id)
		}
	}
	return v
}

// allows reports whether pod s may reach pod d on port p over one family.
func (v addrView) allows(s, d int, p kerneltest.Port, v6 bool) bool {
	fam := 0
	if v6 {
		fam = 1
	}
	return v.matrix.Ports(v.ids[fam][s], v.ids[fam][d]).Contains(p.Proto, p.Num)
}
