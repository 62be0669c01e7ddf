package adminpolicy

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/compiler"
	"github.com/netpolc/netpolc/emitters/adminpolicy/adminapi"
	"github.com/netpolc/netpolc/intent"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/testkit/randir"
)

// platformDecl declares what the platform cases refer to.
const platformDecl = `package t

namespaces: a: {labels: tenant: "x", workloads: web: ports: http: 8080}
namespaces: b: {labels: tenant: "y", workloads: api: ports: http: 8080}
`

func compilePlatform(t *testing.T, src string) *ir.Policy {
	t.Helper()
	set, err := intent.LoadFiles("t", map[string][]byte{"p.cue": []byte(platformDecl + src)})
	if err != nil {
		t.Fatal(err)
	}
	res, err := compiler.Compile(set)
	if err != nil {
		t.Fatal(err)
	}
	return res.Policy
}

// TestPlatformPriorities: platform intents keep their order, below the
// teams' allows (Admin, 100) and after the teams' denies (Baseline, 100).
func TestPlatformPriorities(t *testing.T) {
	p := compilePlatform(t, `
platform: admin: z: {priority: 1, egress: [{action: "Deny", to: [{cidr: "10.0.0.0/8"}]}]}
platform: admin: y: {priority: 900, egress: [{action: "Allow", to: [{namespace: "b"}]}]}
platform: baseline: w: {priority: 0, egress: [{action: "Deny", to: [{namespaceSelector: {}}]}]}
policies: team: {namespace: "a", egress: [{to: [{namespace: "b"}]}]}
`)
	objs, _, err := Build(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, c := range objs.ClusterNetworkPolicies {
		got[c.Name] = string(c.Spec.Tier) + " " + itoa(c.Spec.Priority)
	}
	want := map[string]string{
		"platform-admin-z": "Admin 0", "platform-admin-y": "Admin 1", "platform-baseline-w": "Baseline 101",
		"a-egress-all-pods-allow": "Admin 100", "a-egress-all-pods": "Baseline 100",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q (all: %v)", k, got[k], v, got)
		}
	}
}

func itoa(n int32) string { return strconv.Itoa(int(n)) }

// TestPlatformRefusals: what the admin API cannot place exactly fails at
// the rule's line, with and without allow-approximate.
func TestPlatformRefusals(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		api       adminapi.API
		want      string
	}{
		{"pass over a team's allows", `
platform: admin: t: {priority: 1, egress: [{action: "Pass", to: [{namespace: "b"}]}]}
policies: team: {namespace: "a", egress: [{to: [{namespace: "b"}]}]}`, adminapi.API{},
			`t/p.cue:6:66: adminpolicy: Pass egress rule of platform-admin-t: the policies of a/all-pods are emitted in the admin tiers too`},
		{"pass over a team's deny (v1alpha1)", `
platform: admin: t: {priority: 1, egress: [{action: "Pass", to: [{namespace: "b"}]}]}
policies: team: {namespace: "a", egress: []}`, adminapi.API{Version: adminapi.V1Alpha1},
			`Pass egress rule of platform-admin-t: the policies of a/all-pods`},
		{"baseline ingress over a team's open ingress isolation", `
platform: baseline: t: {priority: 1, ingress: [{action: "Deny", from: [{namespaceSelector: {}}]}]}
policies: team: {namespace: "a", ingress: [{from: [{all: true}]}]}`, adminapi.API{},
			`Deny ingress rule of platform-baseline-t: the policies of a/all-pods are emitted in the admin tiers too`},
		{"ingress from the world", `
platform: admin: t: {priority: 1, ingress: [{action: "Deny", from: [{world: true}]}]}`, adminapi.API{},
			`t/p.cue:6:69: adminpolicy: Deny ingress rule of admin intent "t": admin policy ingress peers select namespaces and pods only`},
		{"deny a DNS name", `
platform: admin: t: {priority: 1, egress: [{action: "Deny", to: [{fqdn: "x.example.com"}]}]}`, adminapi.API{Channel: adminapi.Experimental},
			`domainNames exist only in Accept rules`},
		{"baseline subjects differ (v1alpha1)", `
platform: baseline: t: {priority: 1, subject: namespaces: ["a"], egress: [{action: "Deny", to: [{all: true}]}]}
platform: baseline: u: {priority: 2, egress: [{action: "Deny", to: [{all: true}]}]}`, adminapi.API{Version: adminapi.V1Alpha1},
			`t/p.cue:7:21: adminpolicy: v1alpha1 has one BaselineAdminNetworkPolicy with one subject`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := compilePlatform(t, tc.src)
			for _, approx := range []bool{false, true} {
				_, _, err := Build(p, Options{API: tc.api, AllowApproximate: approx})
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("approximate=%v: err = %v\nwant it to contain %q", approx, err, tc.want)
				}
			}
		})
	}
}

// TestPlatformBANP: v1alpha1 merges the baseline intents into the one
// BaselineAdminNetworkPolicy, "default", in priority order.
func TestPlatformBANP(t *testing.T) {
	p := compilePlatform(t, `
platform: baseline: late: {priority: 9, egress: [{action: "Deny", to: [{all: true}]}]}
platform: baseline: early: {priority: 3, egress: [{action: "Allow", to: [{namespace: "b"}]}]}
`)
	objs, _, err := Build(p, Options{API: adminapi.API{Version: adminapi.V1Alpha1}})
	if err != nil {
		t.Fatal(err)
	}
	banp := objs.BaselineAdminNetworkPolicy
	if banp == nil || banp.Name != "default" || len(banp.Spec.Egress) != 3 || banp.Spec.Egress[0].Action != "Allow" || banp.Spec.Egress[2].Action != "Deny" {
		t.Fatalf("BANP = %+v, want default with the allow first, then the deny of pods and of networks", banp)
	}
	if len(objs.AdminNetworkPolicies) != 0 {
		t.Errorf("ANPs = %v, want none", objs.AdminNetworkPolicies)
	}
}

// TestPlatformBANPSchema validates the BaselineAdminNetworkPolicy of every
// platform example (and of random baseline layers) against the upstream
// v0.1.8 CRD of its channel (internal/crdcheck/npapi), CEL rule on the
// name included.
func TestPlatformBANPSchema(t *testing.T) {
	inputs, err := randir.PlatformExamples()
	if err != nil {
		t.Fatal(err)
	}
	for seed := range int64(100) {
		p, _ := randir.Generate(seed, 6)
		inputs[fmt.Sprintf("seed %d", seed)] = randir.WithCluster(&ir.Policy{Namespaces: p.Namespaces, Workloads: p.Workloads, DNS: p.DNS}, seed)
	}
	checked := 0
	for _, ch := range []adminapi.Channel{adminapi.Standard, adminapi.Experimental} {
		for name, p := range inputs {
			objs, _, err := Build(p, Options{API: adminapi.API{Version: adminapi.V1Alpha1, Channel: ch}})
			if err != nil || objs.BaselineAdminNetworkPolicy == nil {
				continue
			}
			b := objs.BaselineAdminNetworkPolicy
			validate(t, name+" "+string(ch), string(adminapi.V1Alpha1), string(ch), printed{b.TypeMeta, b.ObjectMeta, b.Spec})
			checked++
		}
	}
	if checked < 20 {
		t.Errorf("only %d BaselineAdminNetworkPolicies checked", checked)
	}
}
