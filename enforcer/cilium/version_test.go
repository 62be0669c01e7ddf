package cilium

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netpolc/netpolc/emitters/cilium/ciliumapi"
	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/portset"
)

// TestEgressNamedPortsByVersion: from 1.20 an egress named port resolves
// on each destination; before, on the whole cluster, to one number for
// every destination (also one that does not declare the name) or, when
// endpoints disagree, to none.
func TestEgressNamedPortsByVersion(t *testing.T) {
	named := inv
	named.Endpoints = append([]inventory.Endpoint(nil), inv.Endpoints...)
	for i, ep := range named.Endpoints {
		switch ep.Name {
		case "api":
			named.Endpoints[i].Ports = []ir.NamedPort{{Name: "http", Port: 8080, Protocol: portset.TCP}}
		case "client":
			named.Endpoints[i].Ports = []ir.NamedPort{{Name: "grpc", Port: 9000, Protocol: portset.TCP}}
		case "db":
			named.Endpoints[i].Ports = []ir.NamedPort{{Name: "grpc", Port: 9001, Protocol: portset.TCP}}
		}
	}
	pol := policy("web", ciliumapi.Rule{EndpointSelector: labels("app", "web"), Egress: []ciliumapi.EgressRule{
		{ToEndpoints: []metav1.LabelSelector{{}}, ToPorts: ports(tcp("http"))},
		{ToEndpoints: []metav1.LabelSelector{{}}, ToPorts: ports(tcp("grpc"))},
	}})
	flows := func(settings map[string]bool) map[string]string {
		t.Helper()
		got, err := Interpreter{}.Interpret([]ciliumapi.CiliumNetworkPolicy{pol}, enforcer.InterpretInput{Inventory: named, Settings: settings})
		if err != nil {
			t.Fatal(err)
		}
		m, err := enforcer.New(*got.Inventory, got.Policies)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, dst := range []string{"shop/api", "shop/db"} {
			out[dst] = m.Matrix().Ports("shop/web", dst).String()
		}
		return out
	}
	expect(t, flows(nil), map[string]string{"shop/api": "TCP/8080", "shop/db": "TCP/9001"})
	old := map[string]bool{ciliumapi.SettingVersion + "=1.19.4": true}
	expect(t, flows(old), map[string]string{"shop/api": "TCP/8080", "shop/db": "TCP/8080"})
	old[optionNamedPortsPerDestination] = true
	expect(t, flows(old), map[string]string{"shop/api": "TCP/8080", "shop/db": "TCP/9001"})
	if _, err := configFrom(map[string]bool{ciliumapi.SettingVersion + "=1.15": true}); err == nil {
		t.Error("cilium-version 1.15: no error, want one (netpolc models 1.16 and later)")
	}
}
