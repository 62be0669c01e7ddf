package cilium

import (
	"errors"
	"slices"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	emit "github.com/netpolc/netpolc/emitters/cilium"
	"github.com/netpolc/netpolc/emitters/cilium/ciliumapi"
	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/enforcer/proof"
	"github.com/netpolc/netpolc/internal/portset"
	"github.com/netpolc/netpolc/internal/testkit/randir"
)

// kubeDNS is the cluster DNS peer of the emitter's DNS rule.
var kubeDNS = metav1.LabelSelector{MatchLabels: map[string]string{"k8s-app": "kube-dns", "k8s:io.kubernetes.pod.namespace": "kube-system"}}

// dnsRule is the DNS visibility rule with the given rules.dns patterns.
func dnsRule(patterns ...string) ciliumapi.EgressRule {
	pr := ciliumapi.PortRule{Ports: []ciliumapi.PortProtocol{{Port: "53", Protocol: "UDP"}}, Rules: &ciliumapi.L7Rules{}}
	for _, p := range patterns {
		pr.Rules.DNS = append(pr.Rules.DNS, ciliumapi.FQDNSelector{MatchPattern: p})
	}
	return ciliumapi.EgressRule{ToEndpoints: []metav1.LabelSelector{kubeDNS}, ToPorts: []ciliumapi.PortRule{pr}}
}

// fqdnVerdicts interprets a web policy with a toFQDNs rule and extra
// egress rules, and answers web → each name on TCP/443.
func fqdnVerdicts(t *testing.T, extra ...ciliumapi.EgressRule) map[string]bool {
	t.Helper()
	egress := append([]ciliumapi.EgressRule{{
		ToFQDNs: []ciliumapi.FQDNSelector{{MatchName: "API.example.com."}, {MatchPattern: "*.cdn.example.net"}},
		ToPorts: ports(tcp("443")),
	}}, extra...)
	ps, err := interpret([]ciliumapi.CiliumNetworkPolicy{policy("web", ciliumapi.Rule{EndpointSelector: labels("app", "web"), Egress: egress})})
	if err != nil {
		t.Fatal(err)
	}
	m, err := enforcer.New(inv, ps)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, n := range []string{"fqdn:api.example.com", "fqdn:img.cdn.example.net", "fqdn:a.b.cdn.example.net", "fqdn:other.example.com"} {
		v, err := m.Verdict("shop/web", n, portset.TCP, 443)
		if err != nil {
			t.Fatal(err)
		}
		out[n] = v.Allowed
	}
	return out
}

// TestFQDNNeedsDNSVisibility: toFQDNs match the addresses the DNS proxy
// saw, so without a DNS rule covering a name the reading allows nothing
// towards it (and the proof of an emitted policy missing it fails).
func TestFQDNNeedsDNSVisibility(t *testing.T) {
	cases := map[string]struct {
		extra []ciliumapi.EgressRule
		want  map[string]bool
	}{
		"with the DNS rule": {[]ciliumapi.EgressRule{dnsRule("*")}, map[string]bool{
			"fqdn:api.example.com": true, "fqdn:img.cdn.example.net": true, "fqdn:a.b.cdn.example.net": false, "fqdn:other.example.com": false}},
		"without it": {nil, map[string]bool{
			"fqdn:api.example.com": false, "fqdn:img.cdn.example.net": false}},
		"DNS without rules.dns": {[]ciliumapi.EgressRule{{ToEndpoints: []metav1.LabelSelector{kubeDNS}, ToPorts: ports(ciliumapi.PortProtocol{Port: "53", Protocol: "UDP"})}},
			map[string]bool{"fqdn:api.example.com": false}},
		"a DNS rule covering one name": {[]ciliumapi.EgressRule{dnsRule("*.example.com")}, map[string]bool{
			"fqdn:api.example.com": true, "fqdn:img.cdn.example.net": false}},
		"a DNS rule on another port": {[]ciliumapi.EgressRule{{ToEndpoints: []metav1.LabelSelector{kubeDNS}, ToPorts: []ciliumapi.PortRule{{
			Ports: []ciliumapi.PortProtocol{{Port: "5353", Protocol: "UDP"}}, Rules: &ciliumapi.L7Rules{DNS: []ciliumapi.FQDNSelector{{MatchPattern: "*"}}}}}}},
			map[string]bool{"fqdn:api.example.com": false}},
	}
	for name, c := range cases {
		got := fqdnVerdicts(t, c.extra...)
		for n, want := range c.want {
			if got[n] != want {
				t.Errorf("%s: web -> %s allowed = %v, want %v", name, n, got[n], want)
			}
		}
	}
}

// TestEmittedFQDNProof proves the emitted fqdn example, then removes the
// DNS visibility rule from the objects: the proof must fail.
func TestEmittedFQDNProof(t *testing.T) {
	ex, err := randir.Examples()
	if err != nil {
		t.Fatal(err)
	}
	p := ex["fqdn"]
	objs, _, err := emit.Build(p, emit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ref, err := proof.NewReference(p, enforcer.InventoryFromIR(p))
	if err != nil {
		t.Fatal(err)
	}
	prove := func(objs []ciliumapi.CiliumNetworkPolicy) error {
		got, err := interpret(objs)
		if err != nil {
			t.Fatal(err)
		}
		_, err = ref.Prove("cilium", got, false)
		return err
	}
	if err := prove(objs); err != nil {
		t.Fatalf("emitted example: %v", err)
	}
	stripped, removed := withoutDNSRules(objs)
	if removed == 0 {
		t.Fatal("the emitted policies have no DNS rule")
	}
	if err := prove(stripped); !errors.Is(err, proof.ErrNotEquivalent) || !strings.Contains(err.Error(), "fqdn:api.payments.example.com") {
		t.Errorf("without the DNS rule: err = %v, want a failed proof naming the DNS name", err)
	}
}

// withoutDNSRules drops every port rule with layer-7 DNS rules.
func withoutDNSRules(objs []ciliumapi.CiliumNetworkPolicy) ([]ciliumapi.CiliumNetworkPolicy, int) {
	out := slices.Clone(objs)
	removed := 0
	for i := range out {
		var egress []ciliumapi.EgressRule
		for _, r := range out[i].Spec.Egress {
			if slices.ContainsFunc(r.ToPorts, func(pr ciliumapi.PortRule) bool { return pr.Rules != nil }) {
				removed++
				continue
			}
			egress = append(egress, r)
		}
		out[i].Spec.Egress = egress
	}
	return out, removed
}
