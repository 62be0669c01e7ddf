package pipeline

import (
	"net/netip"
	"strings"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netpolc/netpolc/compiler"
	"github.com/netpolc/netpolc/emitters/networkpolicy"
	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/target"
	. "github.com/netpolc/netpolc/internal/testkit/irfix"
)

// dbReader is an interpreter with a bug only a per-address proof sees: it
// reads every egress rule towards addresses as also selecting the pods
// labelled app=db.
type dbReader struct{}

func (dbReader) Interpret(objects any, _ enforcer.InterpretInput) (*enforcer.Reading, error) {
	pols := objects.([]networkingv1.NetworkPolicy)
	for i := range pols {
		for j, r := range pols[i].Spec.Egress {
			if len(r.To) > 0 && r.To[0].IPBlock != nil {
				pols[i].Spec.Egress[j].To = append(r.To, networkingv1.NetworkPolicyPeer{PodSelector: &metav1.LabelSelector{MatchLabels: App("db")}})
			}
		}
	}
	ps, err := enforcer.FromNetworkPolicies(enforcer.WithoutSource(pols))
	return &enforcer.Reading{Policies: ps}, err
}

// dbTarget pairs the real networkpolicy emitter with that interpreter.
type dbTarget struct {
	networkpolicy.Emitter
	dbReader
}

// TestProofPerAddress: web may reach the dual-stack db's IPv6 address
// only. A target that also lets web reach db by its labels agrees with the
// intents endpoint by endpoint and on every address range, but lets the
// IPv4 traffic through: the build fails on the per-address pass, naming
// the address. The real targets pass both passes (the nftables ruleset
// failed here while it matched every address of a pod a block held one of).
func TestProofPerAddress(t *testing.T) {
	inv := &inventory.Inventory{Endpoints: []inventory.Endpoint{
		{Namespace: "shop", Name: "web", Labels: App("web"), IPs: []netip.Addr{netip.MustParseAddr("10.0.0.1")}},
		{Namespace: "shop", Name: "db", Labels: App("db"), IPs: []netip.Addr{netip.MustParseAddr("10.0.0.2"), netip.MustParseAddr("fd00::2")}},
	}}
	res := &compiler.Result{Policy: &ir.Policy{Isolations: []ir.Isolation{Isolate(Web, ir.Egress, 1)},
		Rules: []ir.Rule{Allow(Web, ir.Egress, CIDR("fd00::2/128"), 2, TCP(5432))}}}
	_, err := Generate(res, Options{Targets: []target.Target{dbTarget{}}, Inventory: inv})
	if err == nil || !strings.Contains(err.Error(), "each address of a pod apart") || !strings.Contains(err.Error(), "shop/web → shop/db@10.0.0.2") {
		t.Fatalf("a target wider on db's IPv4 address: %v, want the per-address pass to fail on shop/db@10.0.0.2", err)
	}
	if _, err := Generate(res, Options{Targets: target.MustParse("networkpolicy", "calico", "adminpolicy", "nftables"), Inventory: inv}); err != nil {
		t.Errorf("the real targets: %v", err)
	}
}
