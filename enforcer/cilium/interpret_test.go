package cilium

import (
	"errors"
	"net/netip"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netpolc/netpolc/emitters/cilium/ciliumapi"
	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/inventory"
)

// inv has a web and an api pod in shop, a client in other, and a db in
// shop whose IP (10.0.0.5) lies inside 10.0.0.0/8.
var inv = inventory.Inventory{
	Namespaces: []inventory.Namespace{
		{Name: "shop", Labels: map[string]string{inventory.MetadataNameLabel: "shop", "team": "shop"}},
		{Name: "other", Labels: map[string]string{inventory.MetadataNameLabel: "other"}},
	},
	Endpoints: []inventory.Endpoint{
		{Namespace: "shop", Name: "web", Kind: "Deployment", Labels: map[string]string{"app": "web"}},
		{Namespace: "shop", Name: "api", Kind: "Deployment", Labels: map[string]string{"app": "api"}},
		{Namespace: "shop", Name: "db", Kind: "Deployment", Labels: map[string]string{"app": "db"},
			IPs: []netip.Addr{netip.MustParseAddr("10.0.0.5")}},
		{Namespace: "other", Name: "client", Kind: "Deployment", Labels: map[string]string{"app": "client"}},
	},
}

func policy(name string, spec ciliumapi.Rule) ciliumapi.CiliumNetworkPolicy {
	return ciliumapi.CiliumNetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: name}, Spec: spec}
}

func labels(kv ...string) metav1.LabelSelector {
	m := map[string]string{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return metav1.LabelSelector{MatchLabels: m}
}

func ports(ps ...ciliumapi.PortProtocol) []ciliumapi.PortRule {
	return []ciliumapi.PortRule{{Ports: ps}}
}

func tcp(port string) ciliumapi.PortProtocol {
	return ciliumapi.PortProtocol{Port: port, Protocol: "TCP"}
}

// matrix interprets pols and returns the allowed ports per "src>dst".
func matrix(t *testing.T, pols ...ciliumapi.CiliumNetworkPolicy) map[string]string {
	t.Helper()
	ps, err := interpret(pols)
	if err != nil {
		t.Fatal(err)
	}
	m, err := enforcer.New(inv, ps)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, c := range m.Matrix().Connections {
		out[c.Src+">"+c.Dst] = c.Ports.String()
	}
	return out
}

func expect(t *testing.T, got map[string]string, want map[string]string) {
	t.Helper()
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: got %q, want %q", k, got[k], w)
		}
	}
}

func TestIngressCIDRDoesNotMatchEndpoints(t *testing.T) {
	got := matrix(t, policy("web", ciliumapi.Rule{
		EndpointSelector: labels("app", "web"),
		Ingress: []ciliumapi.IngressRule{
			{FromCIDRSet: []ciliumapi.CIDRRule{{CIDR: "10.0.0.0/8", Except: []string{"10.1.0.0/16"}}}, ToPorts: ports(tcp("80"))},
			{FromEndpoints: []metav1.LabelSelector{labels("app", "db")}, ToPorts: ports(tcp("81"))},
			{FromEndpoints: []metav1.LabelSelector{labels("k8s:io.kubernetes.pod.namespace", "other")}, ToPorts: ports(tcp("82"))},
		},
	}))
	expect(t, got, map[string]string{
		"shop/db>shop/web":                     "TCP/81", // not TCP/80: the CIDR does not match the pod
		"other/client>shop/web":                "TCP/82",
		"shop/api>shop/web":                    "",
		"ip:10.0.0.0-10.0.255.255>shop/web":    "TCP/80",
		"ip:10.1.0.0-10.1.255.255>shop/web":    "",
		"ip:11.0.0.0-255.255.255.255>shop/web": "",
		"shop/web>shop/db":                     "all",
	})
}

func TestEgressCIDRDoesNotMatchEndpoints(t *testing.T) {
	got := matrix(t, policy("web", ciliumapi.Rule{
		EndpointSelector: labels("app", "web"),
		Egress: []ciliumapi.EgressRule{
			{ToCIDR: []string{"10.0.0.0/8"}, ToPorts: ports(tcp("443"))},
			{ToEntities: []string{"cluster"}, ToPorts: ports(tcp("8080"))},
		},
	}))
	expect(t, got, map[string]string{
		"shop/web>shop/db":                    "TCP/8080",
		"shop/web>other/client":               "TCP/8080",
		"shop/web>ip:10.0.0.0-10.255.255.255": "TCP/443",
		"shop/web>ip:0.0.0.0-9.255.255.255":   "",
	})
}

func TestPeerlessRules(t *testing.T) {
	got := matrix(t,
		policy("web", ciliumapi.Rule{EndpointSelector: labels("app", "web"), Ingress: []ciliumapi.IngressRule{{ToPorts: ports(tcp("80"))}}}),
		policy("api", ciliumapi.Rule{EndpointSelector: labels("app", "api"), Ingress: []ciliumapi.IngressRule{{}}}),
		policy("db", ciliumapi.Rule{EndpointSelector: labels("app", "db"), Egress: []ciliumapi.EgressRule{
			{ToEntities: []string{"host", "remote-node"}}, {ToEntities: []string{"all"}, ToPorts: ports(tcp("53"))}}}),
	)
	expect(t, got, map[string]string{
		"other/client>shop/web":               "TCP/80", // ports without peers: everyone
		"ip:0.0.0.0-255.255.255.255>shop/web": "TCP/80",
		"shop/web>shop/api":                   "", // "- {}" allows nothing
		"shop/db>other/client":                "TCP/53",
		"shop/db>ip:0.0.0.0-255.255.255.255":  "TCP/53",
	})
}

func TestNamespaceLabels(t *testing.T) {
	any := metav1.LabelSelector{MatchLabels: map[string]string{"io.cilium.k8s.namespace.labels.team": "shop"},
		MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "k8s:io.kubernetes.pod.namespace", Operator: metav1.LabelSelectorOpExists}}}
	got := matrix(t, policy("web", ciliumapi.Rule{
		EndpointSelector: labels("app", "web"),
		Ingress:          []ciliumapi.IngressRule{{FromEndpoints: []metav1.LabelSelector{any}}},
	}))
	expect(t, got, map[string]string{"shop/api>shop/web": "all", "other/client>shop/web": ""})
}

func TestInterpretErrors(t *testing.T) {
	tests := map[string]struct {
		spec ciliumapi.Rule
		is   error
	}{
		"fqdn pattern":    {ciliumapi.Rule{Egress: []ciliumapi.EgressRule{{ToFQDNs: []ciliumapi.FQDNSelector{{MatchPattern: "a*.example.com"}}}}}, enforcer.ErrUnsupported},
		"fqdn every name": {ciliumapi.Rule{Egress: []ciliumapi.EgressRule{{ToFQDNs: []ciliumapi.FQDNSelector{{MatchPattern: "*"}}}}}, enforcer.ErrUnsupported},
		"fqdn empty":      {ciliumapi.Rule{Egress: []ciliumapi.EgressRule{{ToFQDNs: []ciliumapi.FQDNSelector{{}}}}}, enforcer.ErrInvalid},
		"two peer kinds": {ciliumapi.Rule{Egress: []ciliumapi.EgressRule{{ToCIDR: []string{"10.0.0.0/8"},
			ToEntities: []string{"world"}}}}, enforcer.ErrInvalid},
		"reserved label": {ciliumapi.Rule{Ingress: []ciliumapi.IngressRule{{FromEndpoints: []metav1.LabelSelector{labels("reserved:host", "")}}}}, enforcer.ErrUnsupported},
		"deny":           {ciliumapi.Rule{IngressDeny: []ciliumapi.IngressRule{{}}}, enforcer.ErrUnsupported},
		"icmp":           {ciliumapi.Rule{Ingress: []ciliumapi.IngressRule{{ToPorts: ports(ciliumapi.PortProtocol{Port: "0", Protocol: "ICMP"})}}}, enforcer.ErrUnsupported},
		"unknown entity": {ciliumapi.Rule{Ingress: []ciliumapi.IngressRule{{FromEntities: []string{"moon"}}}}, enforcer.ErrInvalid},
	}
	for name, tt := range tests {
		if _, err := interpret([]ciliumapi.CiliumNetworkPolicy{policy("x", tt.spec)}); !errors.Is(err, tt.is) {
			t.Errorf("%s: error %v, want %v", name, err, tt.is)
		}
	}
}
