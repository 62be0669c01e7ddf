package enforcer

import (
	"k8s.io/apimachinery/pkg/labels"

	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/portset"
)

// IntentsInventory is the intents' declared workloads plus the cluster DNS
// (unless a declared workload already is it), so DNS rules show in the
// matrix and are covered by the equivalence check.
func IntentsInventory(p *ir.Policy) inventory.Inventory {
	inv := InventoryFromIR(p)
	if p.DNS.Namespaces == nil || p.DNS.Pods == nil {
		return inv
	}
	ns := p.DNS.Namespaces.MatchLabels[inventory.MetadataNameLabel]
	dnsLabels := labels.Set(p.DNS.Pods.MatchLabels)
	for _, ep := range inv.Endpoints {
		if ep.Namespace == ns && labels.SelectorFromSet(dnsLabels).Matches(labels.Set(ep.Labels)) {
			return inv
		}
	}
	if ns == "" {
		return inv
	}
	found := false
	for _, n := range inv.Namespaces {
		found = found || n.Name == ns
	}
	if !found {
		inv.Namespaces = append(inv.Namespaces, inv.Namespace(ns))
	}
	name := "kube-dns"
	if v, ok := dnsLabels["k8s-app"]; ok {
		name = v
	}
	inv.Endpoints = append(inv.Endpoints, inventory.Endpoint{
		Namespace: ns, Name: name, Kind: "Deployment", Labels: dnsLabels,
		Ports:  []ir.NamedPort{{Name: "dns", Port: 53, Protocol: portset.UDP}, {Name: "dns-tcp", Port: 53, Protocol: portset.TCP}},
		Source: diag.Pos{File: "<cluster.dns>"},
	})
	inv.Sort()
	return inv
}
