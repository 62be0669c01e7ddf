package enforcer

import (
	"errors"
	"slices"
	"testing"

	"github.com/netpolc/netpolc/internal/diag"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/network-policy-api/apis/v1alpha2"

	"github.com/netpolc/netpolc/internal/portset"
	"github.com/netpolc/netpolc/internal/testkit/conformance"
)

func confModel(t *testing.T, c conformance.Case) *Model {
	t.Helper()
	m, err := New(conformance.Inventory(), confPolicies(t, c))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestVerdictExplainsNetworkPolicy(t *testing.T) {
	np := conformance.Netpol("x", "a-from-b", conformance.Selecting(conformance.Sel("pod", "a")), conformance.Ingress(conformance.From(conformance.Peers(conformance.PodPeer(conformance.Sel("pod", "b"))), conformance.Port(conformance.TCP, 80))))
	np.Annotations = map[string]string{OriginsAnnotation: "intents/x.cue:12"}
	pols, err := FromNetworkPolicies([]SourcedNetworkPolicy{
		{NetworkPolicy: np, Source: diag.Pos{File: "out/x.yaml", Line: 3}},
		{NetworkPolicy: conformance.Netpol("x", "deny")},
	})
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(conformance.Inventory(), pols)
	if err != nil {
		t.Fatal(err)
	}
	v, err := m.Verdict("x/b", "x/a", portset.TCP, 80)
	if err != nil {
		t.Fatal(err)
	}
	if !v.Allowed || v.Egress.Layer != LayerDefault || v.Ingress.Layer != LayerNetworkPolicy {
		t.Fatalf("verdict = %+v", v)
	}
	if got := refNames(v.Ingress.Isolating); !slices.Equal(got, []string{"x/a-from-b", "x/deny"}) {
		t.Errorf("isolating = %v", got)
	}
	if len(v.Ingress.Allowing) != 1 {
		t.Fatalf("allowing = %v", v.Ingress.Allowing)
	}
	rr := v.Ingress.Allowing[0]
	if rr.Index != 0 || rr.Origin != "intents/x.cue:12" || rr.Policy.Source.String() != "out/x.yaml:3" {
		t.Errorf("rule ref = %+v", rr)
	}
	if got := rr.String(); got != "NetworkPolicy x/a-from-b (out/x.yaml:3) ingress[0]" {
		t.Errorf("rule ref string = %q", got)
	}
	v, _ = m.Verdict("x/c", "x/a", portset.TCP, 80)
	if v.Allowed || len(v.Ingress.Allowing) != 0 || len(v.Ingress.Isolating) != 2 {
		t.Errorf("x/c -> x/a = %+v", v)
	}
}

func refNames(refs []PolicyRef) []string {
	var out []string
	for _, r := range refs {
		out = append(out, r.Namespace+"/"+r.Name)
	}
	return out
}

func TestVerdictExplainsAdmin(t *testing.T) {
	m := confModel(t, conformance.Case{
		NPs: []networkingv1.NetworkPolicy{conformance.Netpol("x", "allow", conformance.Ingress(conformance.From(conformance.Anyone)))},
		CNPs: []v1alpha2.ClusterNetworkPolicy{
			conformance.Cnp("pass-y", conformance.Admin, 1, conformance.CnpSubjectNS(nsX), conformance.CnpIn(conformance.Pass, conformance.CnpFromNS(nsY))),
			conformance.Cnp("deny-z", conformance.Admin, 2, conformance.CnpSubjectNS(nsX), conformance.CnpIn(conformance.Deny, conformance.CnpFromNS(nsZ))),
		},
	})
	v, _ := m.Verdict("z/a", "x/a", portset.TCP, 80)
	if v.Allowed || v.Ingress.Layer != LayerAdmin || len(v.Ingress.Denying) != 1 || v.Ingress.Denying[0].Policy.Name != "deny-z" {
		t.Errorf("z/a -> x/a = %+v", v.Ingress)
	}
	v, _ = m.Verdict("y/a", "x/a", portset.TCP, 80)
	if !v.Allowed || v.Ingress.Layer != LayerNetworkPolicy || len(v.Ingress.Passing) != 1 || len(v.Ingress.Allowing) != 1 {
		t.Errorf("y/a -> x/a = %+v", v.Ingress)
	}
}

func TestVerdictEnds(t *testing.T) {
	m := confModel(t, conformance.Case{NPs: aFrom(conformance.IpPeer("192.0.2.0/24"))})
	for _, tc := range []struct {
		src, dst    string
		allowed     bool
		err         error
		externalSrc bool
	}{
		{"192.0.2.9", "x/a", true, nil, true},
		{"ip:192.0.2.0-192.0.2.255", "x/a", true, nil, true},
		{"198.51.100.1", "x/a", false, nil, true},
		{"10.1.0.2", "x/a", false, nil, false}, // x/b's IP stands for x/b
		{"x/a", "203.0.113.1", true, nil, false},
		{"nope/a", "x/a", false, ErrUnknownEndpoint, false},
		{"192.0.2.9", "198.51.100.1", false, ErrUnknownEndpoint, true},
	} {
		v, err := m.Verdict(tc.src, tc.dst, portset.TCP, 80)
		if !errors.Is(err, tc.err) || (err == nil && v.Allowed != tc.allowed) {
			t.Errorf("%s -> %s: allowed=%v err=%v, want %v %v", tc.src, tc.dst, v.Allowed, err, tc.allowed, tc.err)
		}
		if err == nil && tc.externalSrc && v.Egress.Layer != LayerNone {
			t.Errorf("%s -> %s: external source egress layer %q", tc.src, tc.dst, v.Egress.Layer)
		}
	}
}

func TestExternalPeers(t *testing.T) {
	m := confModel(t, conformance.Case{NPs: aFrom(conformance.IpPeer("10.0.0.0/8", "10.2.0.0/16"), conformance.IpPeer("2001:db8::/32"))})
	want := []string{
		"ip:0.0.0.0-9.255.255.255",
		"ip:10.0.0.0-10.1.255.255",
		"ip:10.2.0.0-10.2.255.255",
		"ip:10.3.0.0-10.255.255.255",
		"ip:11.0.0.0-255.255.255.255",
		"ip:::-2001:db7:ffff:ffff:ffff:ffff:ffff:ffff",
		"ip:2001:db8::-2001:db8:ffff:ffff:ffff:ffff:ffff:ffff",
		"ip:2001:db9::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
	}
	if got := m.ExternalPeers(); !slices.Equal(got, want) {
		t.Errorf("external peers:\n got %q\nwant %q", got, want)
	}
	// Both families are peers without a block naming them: the IPv6
	// world is there for an IPv4-only policy set too.
	if got := confModel(t, conformance.Case{}).ExternalPeers(); !slices.Equal(got, []string{"ip:0.0.0.0-255.255.255.255", "ip:::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"}) {
		t.Errorf("without blocks: %q", got)
	}
	v4 := confModel(t, conformance.Case{NPs: aFrom(conformance.IpPeer("10.0.0.0/8"))})
	if got := v4.ExternalPeers(); !slices.Equal(got, []string{"ip:0.0.0.0-9.255.255.255", "ip:10.0.0.0-10.255.255.255",
		"ip:11.0.0.0-255.255.255.255", "ip:::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"}) {
		t.Errorf("IPv4 blocks only: %q", got)
	}
	if p := v4.Matrix().Ports("ip:::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "x/a"); !p.IsEmpty() {
		t.Errorf("the IPv6 world reaches x/a, isolated and open to 10.0.0.0/8 only: %v", p)
	}
	c := m.Matrix()
	if p := c.Ports("ip:10.3.0.0-10.255.255.255", "x/a"); !p.IsAll() {
		t.Errorf("10.3/16.. -> x/a = %v", p)
	}
	if p := c.Ports("ip:10.2.0.0-10.2.255.255", "x/a"); !p.IsEmpty() {
		t.Errorf("10.2/16 -> x/a = %v", p)
	}
}

func TestPolicyErrors(t *testing.T) {
	bad := conformance.Netpol("x", "bad",
		conformance.Selecting(&metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "k", Operator: "Near"}}}))
	badPeers := conformance.Netpol("x", "bad-peers", conformance.Ingress(conformance.From(conformance.Peers(conformance.IpPeer("10.0.0.0/33"), networkingv1.NetworkPolicyPeer{}),
		conformance.Port("ICMP", 1), conformance.PortRange(conformance.TCP, 90, 80))))
	_, err := FromNetworkPolicies([]SourcedNetworkPolicy{{NetworkPolicy: bad}, {NetworkPolicy: badPeers}})
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("err = %v, want ErrInvalid", err)
	}
	var pe *diag.Diagnostic
	if !errors.As(err, &pe) || pe.Path != "NetworkPolicy x/bad spec.podSelector" {
		t.Errorf("first error = %#v", pe)
	}
	if n := len(err.(interface{ Unwrap() []error }).Unwrap()); n != 5 {
		t.Errorf("got %d errors, want 5:\n%v", n, err)
	}
}

func TestAdminEmptyPeerFailsClosed(t *testing.T) {
	m := confModel(t, conformance.Case{CNPs: []v1alpha2.ClusterNetworkPolicy{
		conformance.Cnp("allow-nothing", conformance.Admin, 1, conformance.CnpSubjectNS(nsX), conformance.CnpIn(conformance.Accept, v1alpha2.ClusterNetworkPolicyIngressPeer{})),
		conformance.Cnp("pass-becomes-deny", conformance.Admin, 2, conformance.CnpSubjectNS(nsY), conformance.CnpIn(conformance.Pass, v1alpha2.ClusterNetworkPolicyIngressPeer{})),
	}})
	if v, _ := m.Verdict("z/a", "x/a", portset.TCP, 80); !v.Allowed || v.Ingress.Layer != LayerDefault {
		t.Errorf("empty Accept peer matched: %+v", v.Ingress)
	}
	if v, _ := m.Verdict("z/a", "y/a", portset.TCP, 80); v.Allowed {
		t.Errorf("empty Pass peer did not fail closed: %+v", v.Ingress)
	}
}

func TestNamedPort(t *testing.T) {
	m := confModel(t, conformance.Case{})
	if p, err := m.NamedPort("x/a", "serve-81-udp", portset.UDP); err != nil || p != 81 {
		t.Errorf("NamedPort = %d, %v", p, err)
	}
	if _, err := m.NamedPort("x/a", "serve-81-udp", portset.TCP); err == nil {
		t.Error("protocol mismatch resolved")
	}
}
