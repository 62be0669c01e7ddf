package compiler_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/netpolc/netpolc/compiler"
	"github.com/netpolc/netpolc/internal/ir"
)

// platformDecl declares what the platform cases refer to; case lines start
// at line 6.
const platformDecl = `package t

namespaces: shop: {labels: tenant: "a", workloads: {web: ports: http: 8080, db: ports: postgres: 5432}}
namespaces: ops: {labels: tenant: "b", workloads: agent: ports: metrics: 9090}

`

func compilePlatform(t *testing.T, src string) (*compiler.Result, error) {
	t.Helper()
	return compileFiles(map[string]string{"p.cue": platformDecl + src})
}

// TestPlatformCompiles: both tiers, every subject form, rules in order with
// their action and origin line, sorted by tier, priority and name.
func TestPlatformCompiles(t *testing.T) {
	res, err := compilePlatform(t, `platform: admin: "no-metadata": {
	priority: 5
	egress: [{action: "Deny", to: [{cidr: "169.254.169.254/32"}, {cidr: "fd00:ec2::254/128"}]}]
}
platform: admin: scrape: {
	priority: 20
	subject: {namespaces: ["shop", "ops"], podSelector: matchLabels: app: "web"}
	ingress: [{action: "Allow", from: [{namespace: "ops", podSelector: matchLabels: app: "agent"}], ports: ["http"]},
		{action: "Pass", from: [{workload: "ops/agent"}]}]
}
platform: baseline: deny: {
	priority: 1000
	subject: namespaceSelector: matchExpressions: [{key: "kubernetes.io/metadata.name", operator: "NotIn", values: ["kube-system"]}]
	ingress: [{action: "Deny", from: [{namespaceSelector: {}}]}]
	egress: [{action: "Deny", to: [{all: true}]}]
}
`)
	if err != nil {
		t.Fatal(err)
	}
	type short struct {
		Tier     ir.Tier
		Name     string
		Priority int32
		NS       []string
		Line     int
		Rules    []string
	}
	var got []short
	for _, p := range res.Policy.Cluster {
		s := short{p.Tier, p.Name, p.Priority, p.Subject.NamespaceNames, p.Origin.Line, nil}
		for _, r := range p.Rules {
			s.Rules = append(s.Rules, strings.Join([]string{string(r.Direction), string(r.Action), string(r.Peer.Kind), r.Origin.Pos.String()}, " "))
		}
		got = append(got, s)
	}
	want := []short{
		{"admin", "no-metadata", 5, nil, 6, []string{"Egress Deny cidr t/p.cue:8:33", "Egress Deny cidr t/p.cue:8:63"}},
		{"admin", "scrape", 20, []string{"ops", "shop"}, 10, []string{"Ingress Allow pods t/p.cue:13:37", "Ingress Pass workload t/p.cue:14:27"}},
		{"baseline", "deny", 1000, nil, 16, []string{"Ingress Deny pods t/p.cue:19:36", "Egress Deny all t/p.cue:20:33"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("cluster policies (-want +got):\n%s", diff)
	}
	if p := res.Policy.Cluster[1]; p.Subject.Namespaces.MatchExpressions[0].Values[0] != "ops" || p.Subject.Pods.MatchLabels["app"] != "web" {
		t.Errorf("subject = %+v", p.Subject)
	}
}

// TestPlatformErrors: each mistake is an error at its line, with a hint.
func TestPlatformErrors(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"unknown field", `platform: admin: x: {priority: 1, egres: []}`, `t/p.cue:6:35: platform.admin.x.egres: field not allowed`},
		{"unknown tier", `platform: team: x: {priority: 1}`, `t/p.cue:6:11: platform.team: field not allowed`},
		{"priority range", `platform: admin: x: {priority: 1001, egress: []}`, `t/p.cue:6:32: platform.admin.x.priority: priority 1001 is out of range`},
		{"pass in baseline", `platform: baseline: x: {priority: 1, egress: [{action: "Pass", to: [{all: true}]}]}`,
			`t/p.cue:6:56: platform.baseline.x.egress[0].action: action Pass in the baseline tier`},
		{"bad selector", `platform: admin: x: {priority: 1, subject: podSelector: matchExpressions: [{key: "a", operator: "In"}]}`,
			`platform.admin.x.subject.podSelector: selector.matchExpressions[0].values: Required value`},
		{"names and selector", `platform: admin: x: {priority: 1, subject: {namespaces: ["shop"], namespaceSelector: {}}}`,
			`not both`},
		{"workload without namespace", `platform: admin: x: {priority: 1, egress: [{action: "Allow", to: [{workload: "web"}]}]}`,
			`t/p.cue:6:78: platform.admin.x.egress[0].to[0].workload: a cluster-wide rule has no namespace of its own, so workload "web" needs one`},
		{"podSelector alone", `platform: admin: x: {priority: 1, egress: [{action: "Allow", to: [{podSelector: {}}]}]}`,
			`a podSelector alone means the policy's own namespace`},
		{"optional intent", `platform: admin: x?: {priority: 1}`, `t/p.cue:6:18: platform.admin.x: an optional field declares no entry`},
		{"empty peers", `platform: admin: x: {priority: 1, egress: [{action: "Allow", to: []}]}`, "must be a non-empty list of peers"},
		{"tie", `platform: admin: a: {priority: 7, egress: [{action: "Allow", to: [{all: true}]}]}
platform: admin: b: {priority: 7, egress: [{action: "Deny", to: [{world: true}]}]}`,
			`t/p.cue:7:18: platform.admin.b: admin intents "a" and "b" (t/p.cue:6:18) share priority 7`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := compilePlatform(t, tc.src)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v\nwant it to contain %q", err, tc.want)
			}
			if !strings.Contains(err.Error(), "hint:") {
				t.Errorf("no hint in %v", err)
			}
		})
	}
}

// TestPlatformTiesAllowed: ties whose order cannot matter compile.
func TestPlatformTiesAllowed(t *testing.T) {
	_, err := compilePlatform(t, `platform: admin: a: {priority: 7, subject: namespaces: ["shop"], egress: [{action: "Allow", to: [{all: true}]}]}
platform: admin: b: {priority: 7, subject: namespaces: ["ops"], egress: [{action: "Deny", to: [{world: true}]}]}
platform: admin: d: {priority: 7, ingress: [{action: "Deny", from: [{namespace: "ops"}]}]}
`)
	if err != nil {
		t.Fatal(err)
	}
}

// TestPlatformTemplates: the built-in platform templates expand into the
// documented intents, traced to the `use` line.
func TestPlatformTemplates(t *testing.T) {
	res, err := compileFiles(map[string]string{"p.cue": platformDecl, "u.cue": `package t

import "netpolc.dev/templates"

use: deny: templates.#ClusterDefaultDeny
use: dns: templates.#ClusterAllowDNS
use: meta: templates.#DenyCloudMetadata
use: mon: templates.#ClusterMonitoring & {from: "ops"}
use: tenants: templates.#TenantIsolation & {label: "tenant", "namespaces": namespaces, shared: [{namespace: "kube-system"}]}
`})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range res.Policy.Cluster {
		got = append(got, fmt.Sprintf("%s %d %s %d rules %s", p.Tier, p.Priority, p.Name, len(p.Rules), p.Origin))
	}
	want := []string{
		"admin 10 deny-cloud-metadata 2 rules t/u.cue:7:6 (templates.#DenyCloudMetadata)",
		"admin 20 allow-dns 1 rules t/u.cue:6:6 (templates.#ClusterAllowDNS)",
		"admin 30 monitoring-egress 1 rules t/u.cue:8:6 (templates.#ClusterMonitoring)",
		"admin 30 monitoring-ingress 1 rules t/u.cue:8:6 (templates.#ClusterMonitoring)",
		"admin 50 tenant-a 7 rules t/u.cue:9:6 (templates.#TenantIsolation)",
		"admin 50 tenant-b 7 rules t/u.cue:9:6 (templates.#TenantIsolation)",
		"baseline 1000 default-deny 2 rules t/u.cue:5:6 (templates.#ClusterDefaultDeny)",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if n := len(res.Warnings); n != 3 {
		t.Errorf("warnings = %v, want the caveats of default-deny and both tenants", res.Warnings)
	}
}
