package enforcer

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/network-policy-api/apis/v1alpha2"

	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/portset"
	"github.com/netpolc/netpolc/internal/testkit/conformance"
)

// TestFQDNMatches is the matching table of fqdn.go: Cilium's "*." is one
// label, "**." one or more, names compare case-insensitively without the
// trailing dot, and a wildcard endpoint is matched only by a pattern
// covering all its names.
func TestFQDNMatches(t *testing.T) {
	cases := []struct {
		peer, endpoint string
		want           bool
	}{
		{"api.example.com", "api.example.com", true},
		{"API.Example.com.", "api.example.com", true},
		{"api.example.com", "www.example.com", false},
		{"*.example.com", "api.example.com", true},
		{"*.example.com", "example.com", false},
		{"*.example.com", "a.b.example.com", false},
		{"*.example.com", "api.example.org", false},
		{"**.example.com", "a.b.example.com", true},
		{"**.example.com", "api.example.com", true},
		{"**.example.com", "example.com", false},
		{"**.example.com", "badexample.com", false},
		{"api.example.com", "*.example.com", false},
		{"*.example.com", "*.example.com", true},
		{"*.com", "*.example.com", false},
		{"**.com", "*.example.com", true},
		{"**.example.com", "*.example.com", true},
		{"*.example.com", "**.example.com", false},
		{"**.com", "**.example.com", true},
		{"**.example.com", "**.com", false},
	}
	for _, c := range cases {
		p, err1 := parseFQDN(c.peer)
		e, err2 := parseFQDN(c.endpoint)
		if err1 != nil || err2 != nil {
			t.Fatalf("%s, %s: %v %v", c.peer, c.endpoint, err1, err2)
		}
		if got := p.matches(e); got != c.want {
			t.Errorf("%s matches %s = %v, want %v", c.peer, c.endpoint, got, c.want)
		}
	}
	for _, bad := range []string{"a*.example.com", "*", "exa mple.com", "*.*.example.com"} {
		if _, err := parseFQDN(bad); err == nil {
			t.Errorf("parseFQDN(%q) accepted", bad)
		}
	}
}

// fqdnModel is x/a egress-isolated with a DNS name, a wildcard and a
// CIDR rule; x/b has a world rule; the others are open.
func fqdnModel(t *testing.T) *Model {
	t.Helper()
	a := ir.Subject{Namespace: "x", Pods: *conformance.Sel("pod", "a"), Name: "a"}
	b := ir.Subject{Namespace: "x", Pods: *conformance.Sel("pod", "b"), Name: "b"}
	https := []ir.Port{{Protocol: portset.TCP, Number: 443}}
	p := &ir.Policy{
		Isolations: []ir.Isolation{{Subject: a, Direction: ir.Egress}, {Subject: b, Direction: ir.Egress}},
		Rules: []ir.Rule{
			{Subject: a, Direction: ir.Egress, Peer: ir.Peer{Kind: ir.PeerFQDN, FQDN: "api.example.com"}, Ports: https},
			{Subject: a, Direction: ir.Egress, Peer: ir.Peer{Kind: ir.PeerFQDN, FQDN: "*.cdn.example.net"}},
			{Subject: a, Direction: ir.Egress, Peer: ir.Peer{Kind: ir.PeerCIDR, CIDRs: []ir.IPBlock{{CIDR: "0.0.0.0/0"}}}},
			{Subject: b, Direction: ir.Egress, Peer: ir.Peer{Kind: ir.PeerWorld}, Ports: https},
		},
	}
	pols, err := FromIR(p)
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(conformance.Inventory(), pols)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestFQDNMatrix(t *testing.T) {
	m := fqdnModel(t)
	want := []string{"fqdn:*.cdn.example.net", "fqdn:api.example.com"}
	if got := m.FQDNPeers(); !slices.Equal(got, want) {
		t.Fatalf("FQDNPeers = %v, want %v", got, want)
	}
	c := m.Matrix()
	if n := c.Endpoints[len(c.Endpoints)-1]; n.Name != "fqdn:api.example.com" || n.Kind != KindExternal {
		t.Errorf("last endpoint = %+v", n)
	}
	checks := []struct {
		src, dst, ports string
	}{
		{"x/a", "fqdn:api.example.com", "TCP/443"},
		{"x/a", "fqdn:*.cdn.example.net", "all"},
		{"x/b", "fqdn:api.example.com", "TCP/443"}, // world holds every address a name has
		{"x/b", "fqdn:*.cdn.example.net", "TCP/443"},
		{"x/c", "fqdn:api.example.com", "all"}, // not isolated
	}
	for _, ch := range checks {
		got := c.Ports(ch.src, ch.dst)
		if got.String() != ch.ports && !(ch.ports == "all" && got.IsAll()) {
			t.Errorf("%s -> %s = %s, want %s", ch.src, ch.dst, got, ch.ports)
		}
	}
	for _, conn := range c.Connections {
		if strings.HasPrefix(conn.Src, FQDNPrefix) {
			t.Errorf("a DNS name is a source: %+v", conn)
		}
	}
	// An IPv4-only CIDR never reaches a name, and a name never matches an address.
	if v, _ := m.Verdict("x/a", "fqdn:api.example.com", portset.TCP, 80); v.Allowed {
		t.Errorf("0.0.0.0/0 reached a DNS name: %+v", v)
	}
	if v, _ := m.Verdict("x/a", "203.0.113.7", portset.TCP, 443); !v.Allowed {
		t.Errorf("CIDR rule did not allow an address: %+v", v)
	}
	if v, _ := m.Verdict("x/b", "203.0.113.7", portset.TCP, 80); v.Allowed {
		t.Errorf("x/b reached port 80: %+v", v)
	}
}

func TestFQDNVerdict(t *testing.T) {
	m := fqdnModel(t)
	v, err := m.Verdict("x/a", "fqdn:img.cdn.example.net", portset.UDP, 53)
	if err != nil || !v.Allowed || len(v.Egress.Allowing) != 1 {
		t.Errorf("a name no rule spells, matched by a pattern: %+v, %v", v, err)
	}
	if v, _ := m.Verdict("x/a", "fqdn:a.b.cdn.example.net", portset.TCP, 443); v.Allowed {
		t.Errorf("*. matched two labels: %+v", v)
	}
	if v, _ := m.Verdict("x/a", "fqdn:API.example.com.", portset.TCP, 443); !v.Allowed {
		t.Errorf("case and trailing dot: %+v", v)
	}
	if _, err := m.Verdict("fqdn:api.example.com", "x/a", portset.TCP, 443); !errors.Is(err, ErrUnknownEndpoint) {
		t.Errorf("a name as source: err = %v", err)
	}
	if _, err := m.Verdict("x/a", "fqdn:a*b.example.com", portset.TCP, 443); err == nil {
		t.Error("bad pattern accepted")
	}
}

func TestFQDNErrors(t *testing.T) {
	_, err := FromIR(&ir.Policy{Rules: []ir.Rule{{Direction: ir.Ingress, Peer: ir.Peer{Kind: ir.PeerFQDN, FQDN: "x.io"}}}})
	if !errors.Is(err, ErrInvalid) {
		t.Errorf("ingress FQDN: err = %v, want ErrInvalid", err)
	}
	_, err = FromClusterNetworkPolicies([]SourcedClusterNetworkPolicy{{ClusterNetworkPolicy: conformance.Cnp("fqdn", conformance.Admin, 1,
		conformance.CnpSubjectNS(allNS), conformance.CnpOut(conformance.Deny, v1alpha2.ClusterNetworkPolicyEgressPeer{DomainNames: []v1alpha2.DomainName{"x.io"}}))}})
	if !errors.Is(err, ErrInvalid) {
		t.Errorf("domainNames in a Deny rule: err = %v, want ErrInvalid", err)
	}
}

// TestAdminDomainNames reads domainNames with the admin API's meaning:
// "*.x.io" matches one or more labels.
func TestAdminDomainNames(t *testing.T) {
	m := confModel(t, conformance.Case{CNPs: []v1alpha2.ClusterNetworkPolicy{
		conformance.Cnp("names", conformance.Admin, 1, conformance.CnpSubjectNS(nsX),
			conformance.CnpOut(conformance.Accept, v1alpha2.ClusterNetworkPolicyEgressPeer{DomainNames: []v1alpha2.DomainName{"*.x.io", "y.io."}})),
		conformance.Cnp("deny", conformance.Admin, 2, conformance.CnpSubjectNS(nsX),
			conformance.CnpOut(conformance.Deny, v1alpha2.ClusterNetworkPolicyEgressPeer{Networks: []v1alpha2.CIDR{"0.0.0.0/0", "::/0"}})),
	}})
	if got := m.FQDNPeers(); !slices.Equal(got, []string{"fqdn:**.x.io", "fqdn:y.io"}) {
		t.Errorf("FQDNPeers = %v", got)
	}
	for name, want := range map[string]bool{"fqdn:a.b.x.io": true, "fqdn:y.io": true, "fqdn:x.io": false, "fqdn:z.io": false} {
		if v, err := m.Verdict("x/a", name, portset.TCP, 443); err != nil || v.Allowed != want {
			t.Errorf("x/a -> %s = %+v, %v; want %v", name, v.Egress, err, want)
		}
	}
}
