package calico

import (
	"strings"
	"testing"

	"github.com/netpolc/netpolc/emitters/calico/calicoapi"
	"github.com/netpolc/netpolc/internal/ir"
	fx "github.com/netpolc/netpolc/internal/testkit/irfix"
)

// TestEveryEndpointKindFailsTheProof (issue 10, acceptance 1): for each
// kind of endpoint Calico's dataplane tells apart, Calico objects that
// allow that kind more than the intents do fail the proof, naming the
// intent line and the endpoint (its kind where it is no pod of the
// inventory). The intents: shop/web may reach app=db in its namespace on
// TCP/80 and, in the last cases, 10.0.0.0/8 on TCP/443. Host-network pods
// and pods with unknown IPs inside the pod CIDRs have tests of their own
// (hostnet_test.go), as do negative selectors (domain_test.go).
func TestEveryEndpointKindFailsTheProof(t *testing.T) {
	toDB := fx.Allow(fx.Web, ir.Egress, fx.LocalPods(fx.App("db")), 2, fx.TCP(80))
	toNet := fx.Allow(fx.Web, ir.Egress, fx.CIDR("10.0.0.0/8"), 3, fx.TCP(443))
	cases := []struct {
		name   string
		rules  []ir.Rule
		entity calicoapi.EntityRule
		port   int32
		want   []string
	}{
		{"workload endpoint", []ir.Rule{toDB},
			calicoapi.EntityRule{NamespaceSelector: "all()", Selector: "projectcalico.org/orchestrator == 'k8s' && app == 'db' || app == 'client'"}, 80,
			[]string{"wider shop/web → other/client: intents allow none, calico allows TCP/80"}},
		{"HostEndpoint or GlobalNetworkSet with the pods' labels", []ir.Rule{toDB},
			calicoapi.EntityRule{NamespaceSelector: "!has(team)", Selector: "app == 'db'"}, 80,
			[]string{"wider shop/web → calico:global/endpoint-1 (" + kindGlobal + "): calico allows TCP/80"}},
		{"the node (a HostEndpoint without labels)", []ir.Rule{toDB},
			calicoapi.EntityRule{NamespaceSelector: "!has(team)", Selector: "!has(tier)"}, 80,
			[]string{"wider shop/web → calico:global/endpoint-0 (" + kindGlobal + "): calico allows TCP/80"}},
		{"NetworkSet in the namespace, with the pods' labels", []ir.Rule{toDB},
			calicoapi.EntityRule{Selector: "app == 'db'"}, 80,
			[]string{"wider shop/web → calico:networkset:shop/set-1 (" + kindNetworkSet + "): calico allows TCP/80"}},
		{"world, per range", []ir.Rule{toDB, toNet},
			calicoapi.EntityRule{Nets: []string{"0.0.0.0/0"}}, 443,
			[]string{"wider shop/web → ip:0.0.0.0-7.255.255.255: intents allow none, calico allows TCP/443",
				"wider shop/web → ip:128.0.0.0-255.255.255.255"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := &ir.Policy{Isolations: []ir.Isolation{fx.Isolate(fx.Web, ir.Egress, 1)}, Rules: tc.rules}
			objs := &calicoapi.Objects{Tiers: []calicoapi.Tier{tier}, NetworkPolicies: []calicoapi.NetworkPolicy{
				pol("shop-web", "app == 'web'", 100, []string{calicoapi.TypeEgress}, nil, []calicoapi.Rule{{Action: calicoapi.ActionAllow,
					Protocol: "TCP", Destination: withPort(tc.entity, tc.port)}}),
				pol("shop-egress-default-deny", "app == 'web'", 1000, []string{calicoapi.TypeEgress}, nil,
					[]calicoapi.Rule{{Action: calicoapi.ActionDeny}}),
			}}
			err := prove(t, p, inv, objs, true)
			if err == nil {
				t.Fatalf("objects wider for %s were proven", tc.name)
			}
			for _, want := range append(tc.want, "intents/shop.cue:1:") {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("the error lacks %q: %v", want, err)
				}
			}
		})
	}
}
