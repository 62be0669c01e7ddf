package calico

import (
	"errors"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netpolc/netpolc/emitters/calico/calicoapi"
	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
	fx "github.com/netpolc/netpolc/internal/testkit/irfix"
)

// clusterWide is one admin intent at line 1 whose subject is every pod of
// namespace shop, with one rule at line 2.
func clusterWide(tier ir.Tier, r ir.ClusterRule) *ir.Policy {
	r.Origin = fx.At(2)
	return &ir.Policy{Cluster: []ir.ClusterPolicy{{Tier: tier, Name: "guard", Priority: 5, Origin: fx.At(1),
		Subject: ir.ClusterSubject{Namespaces: metav1.LabelSelector{MatchLabels: map[string]string{inventory.MetadataNameLabel: "shop"}}},
		Rules:   []ir.ClusterRule{r}}}}
}

// TestPlatformRefusals: what Calico would not decide as the intents say
// fails closed at the intent's or the rule's line, with or without
// --allow-approximate: no tiers before 3.29, FQDN peers, a subject or
// peer selecting a host-network pod, and an ingress Deny a host-network
// pod meets (felix lets a node into its own pods).
func TestPlatformRefusals(t *testing.T) {
	everyone := ir.Peer{Kind: ir.PeerAll}
	all := metav1.LabelSelector{}
	denyFromAll := clusterWide(ir.TierAdmin, ir.ClusterRule{Direction: ir.Ingress, Action: ir.Deny, Peer: everyone})
	v328, _ := calicoapi.ParseVersion("3.28")
	tests := []struct {
		name string
		in   *ir.Policy
		inv  inventory.Inventory
		v    calicoapi.Version
		want string
	}{
		{"no tiers", denyFromAll, inventory.Inventory{}, v328,
			"intents/shop.cue:1:3: calico: admin intent \"guard\" is cluster-wide, and Calico 3.28 has no tiers (from 3.29)"},
		{"fqdn", clusterWide(ir.TierAdmin, ir.ClusterRule{Direction: ir.Egress, Action: ir.Allow, Peer: ir.Peer{Kind: ir.PeerFQDN, FQDN: "x.example"}}),
			inventory.Inventory{}, calicoapi.Version{}, "intents/shop.cue:2:3: calico: Allow egress rule of admin intent \"guard\": FQDN peer \"x.example\""},
		{"host-network subject", denyFromAll, hostInv, calicoapi.Version{},
			"intents/shop.cue:1:3: calico: admin intent \"guard\" selects host-network pod shop/web, which no Calico policy selects"},
		{"host-network peer", clusterWide(ir.TierBaseline, ir.ClusterRule{Direction: ir.Egress, Action: ir.Deny,
			Peer: ir.Peer{Kind: ir.PeerPods, Namespaces: &all, Pods: fx.Sel(fx.App("web"))}}), inventory.Inventory{Endpoints: hostInv.Endpoints[:1]},
			calicoapi.Version{}, "intents/shop.cue:2:3: calico: Deny egress rule of baseline intent \"guard\": peer selects host-network pod shop/web"},
		{"node reach", denyFromAll, inventory.Inventory{Endpoints: []inventory.Endpoint{hostInv.Endpoints[0], {Namespace: "shop", Name: "db", Labels: fx.App("db")}}},
			calicoapi.Version{}, "host-network pod shop/web reaches the pods on its node whatever the policies say"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name == "node reach" {
				// The subject leaves the host-network pod out.
				tt.in.Cluster[0].Subject.Pods = *fx.Sel(fx.App("db"))
			}
			for _, approx := range []bool{false, true} {
				objs, _, err := Build(tt.in, Options{Version: tt.v, AllowApproximate: approx, Cluster: kit.NewCluster(tt.in, tt.inv)})
				if objs != nil || !errors.Is(err, kit.ErrUnsupported) || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("approximate=%v: Build = %v, %v; want an ErrUnsupported containing %q", approx, objs, err, tt.want)
				}
			}
		})
	}
	if _, _, err := Build(denyFromAll, Options{}); err != nil {
		t.Errorf("without host-network pods: %v", err)
	}
}
