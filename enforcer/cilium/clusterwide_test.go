package cilium

import (
	"errors"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netpolc/netpolc/emitters/cilium/ciliumapi"
	"github.com/netpolc/netpolc/enforcer"
)

// clusterwide is a CiliumClusterwideNetworkPolicy that never isolates.
func clusterwide(name string, spec ciliumapi.Rule) ciliumapi.CiliumNetworkPolicy {
	off := false
	spec.EnableDefaultDeny = &ciliumapi.DefaultDenyConfig{Ingress: &off, Egress: &off}
	return ciliumapi.CiliumNetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: spec}
}

// inNamespace selects pods with labels kv in namespace ns, as a
// clusterwide selector.
func inNamespace(ns string, kv ...string) metav1.LabelSelector {
	sel := labels(append([]string{ciliumapi.NamespaceLabel, ns}, kv...)...)
	return sel
}

// TestClusterwideDenyWins: a clusterwide deny wins over every allow,
// namespaced or clusterwide; a clusterwide allow with default deny off
// opens a namespaced isolation and isolates nothing itself.
func TestClusterwideDenyWins(t *testing.T) {
	got := matrix(t,
		policy("web", ciliumapi.Rule{EndpointSelector: labels("app", "web"),
			Ingress: []ciliumapi.IngressRule{{FromEndpoints: []metav1.LabelSelector{labels("app", "api")}}}}),
		clusterwide("deny-api-web", ciliumapi.Rule{EndpointSelector: inNamespace("shop", "app", "web"),
			IngressDeny: []ciliumapi.IngressRule{{FromEndpoints: []metav1.LabelSelector{inNamespace("shop", "app", "api")}, ToPorts: ports(tcp("80"))}}}),
		clusterwide("client-to-web", ciliumapi.Rule{EndpointSelector: inNamespace("shop", "app", "web"),
			Ingress: []ciliumapi.IngressRule{{FromEndpoints: []metav1.LabelSelector{{}}, ToPorts: ports(tcp("80"), tcp("443"))}}}),
	)
	expect(t, got, map[string]string{
		"shop/api>shop/web":     "TCP/1-79,TCP/81-65535,UDP/1-65535,SCTP/1-65535", // the deny takes port 80 from the team's allow
		"other/client>shop/web": "TCP/80,TCP/443",                                 // the clusterwide allow opens the isolation
		"shop/web>shop/api":     "all",                                            // the allow isolates nothing
	})
}

// TestClusterwideRefusals: what the reading cannot take exactly.
func TestClusterwideRefusals(t *testing.T) {
	on := true
	cases := map[string]struct {
		pol  ciliumapi.CiliumNetworkPolicy
		want string
	}{
		"default deny and an allow": {ciliumapi.CiliumNetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "x"},
			Spec: ciliumapi.Rule{EndpointSelector: inNamespace("shop"), EnableDefaultDeny: &ciliumapi.DefaultDenyConfig{Ingress: &on},
				Ingress: []ciliumapi.IngressRule{{FromEntities: []string{ciliumapi.EntityAll}}}}}, "default deny"},
		"isolation without the inventory": {ciliumapi.CiliumNetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "x"},
			Spec: ciliumapi.Rule{EndpointSelector: inNamespace("shop"), Ingress: []ciliumapi.IngressRule{{}}}}, "without the inventory"},
		"no namespace term": {clusterwide("x", ciliumapi.Rule{EndpointSelector: labels("app", "web")}), "reserved identities"},
		"ingress world": {clusterwide("x", ciliumapi.Rule{EndpointSelector: inNamespace("shop"),
			IngressDeny: []ciliumapi.IngressRule{{FromEntities: []string{ciliumapi.EntityWorld}}}}), "ingress from addresses"},
		"fqdn": {clusterwide("x", ciliumapi.Rule{EndpointSelector: inNamespace("shop"),
			Egress: []ciliumapi.EgressRule{{ToFQDNs: []ciliumapi.FQDNSelector{{MatchName: "example.com"}}}}}), "toFQDNs"},
	}
	for name, c := range cases {
		_, err := interpret([]ciliumapi.CiliumNetworkPolicy{c.pol})
		if !errors.Is(err, enforcer.ErrUnsupported) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want unsupported naming %q", name, err, c.want)
		}
	}
	// An egress CIDR over a pod IP: Cilium's rule misses the pod, the
	// model's network would not.
	deny := clusterwide("x", ciliumapi.Rule{EndpointSelector: inNamespace("shop"),
		EgressDeny: []ciliumapi.EgressRule{{ToCIDR: []string{"10.0.0.0/8"}}}})
	if _, err := (Config{}).Read([]ciliumapi.CiliumNetworkPolicy{deny}, inv); !errors.Is(err, enforcer.ErrUnsupported) || !strings.Contains(err.Error(), "10.0.0.5") {
		t.Errorf("cidr over a pod IP: err = %v", err)
	}
}

// TestClusterwideIsolation: an isolating clusterwide policy isolates the
// pods it selects in every namespace it selects; the namespaced allows
// and clusterwide allows open it.
func TestClusterwideIsolation(t *testing.T) {
	iso := ciliumapi.CiliumNetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "iso"}, Spec: ciliumapi.Rule{
		EndpointSelector: metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
			{Key: ciliumapi.NamespaceLabel, Operator: metav1.LabelSelectorOpExists}}},
		Ingress: []ciliumapi.IngressRule{{}}}}
	team := policy("web", ciliumapi.Rule{EndpointSelector: labels("app", "web"),
		Ingress: []ciliumapi.IngressRule{{FromEndpoints: []metav1.LabelSelector{labels("app", "api")}}}})
	admin := clusterwide("client-to-db", ciliumapi.Rule{EndpointSelector: inNamespace("shop", "app", "db"),
		Ingress: []ciliumapi.IngressRule{{FromEndpoints: []metav1.LabelSelector{inNamespace("other")}, ToPorts: ports(tcp("5432"))}}})
	r, err := (Config{}).Read([]ciliumapi.CiliumNetworkPolicy{iso, team, admin}, inv)
	if err != nil {
		t.Fatal(err)
	}
	m, err := enforcer.New(*r.Inventory, r.Policies)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, c := range m.Matrix().Connections {
		got[c.Src+">"+c.Dst] = c.Ports.String()
	}
	expect(t, got, map[string]string{
		"shop/api>shop/web":     "all",      // the team's allow
		"other/client>shop/web": "",         // isolated
		"shop/web>other/client": "",         // isolated, in the other namespace too
		"other/client>shop/db":  "TCP/5432", // the clusterwide allow
		"shop/web>shop/api":     "",
	})
}
