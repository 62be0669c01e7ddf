package lint_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/compiler"
	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/intent"
	"github.com/netpolc/netpolc/internal/lint"
	"github.com/netpolc/netpolc/internal/pipeline"
)

// decl is shared by the cases: two namespaces with declared ports; the
// case's own lines start at line 12.
const decl = `package t

import "netpolc.dev/templates"

namespaces: shop: workloads: {
	web: ports: http: 8080
	db: ports: postgres: 5432
}
namespaces: ops: workloads: agent: ips: ["10.1.2.3"]
cluster: podCIDRs: ["10.244.0.0/16"]
_x: templates
`

func run(t *testing.T, src string) string {
	t.Helper()
	set, err := intent.LoadFiles("t", map[string][]byte{"a.cue": []byte(decl + src)})
	if err != nil {
		t.Fatal(err)
	}
	res, err := compiler.Compile(set)
	if err != nil {
		t.Fatal(err)
	}
	model, err := pipeline.Input{Intents: res}.Model()
	if err != nil {
		t.Fatal(err)
	}
	list := lint.Run(lint.Input{Compiled: res, Inventory: enforcer.IntentsInventory(res.Policy), Model: model})
	return list.Error()
}

// TestChecks: each case must produce exactly the findings listed, each at
// its position. Cases with no findings prove the checks stay quiet.
// checkCases are TestChecks's cases.
var checkCases = []struct {
	name string
	src  string
	want []string // regexps, one per expected finding, in order
}{
	{"egress without DNS",
		"use: d: templates.#DefaultDeny & {namespace: \"shop\", direction: \"egress\"}\n",
		[]string{`t/a\.cue:12:6: warning: shop/db is isolated for egress but cannot reach the cluster DNS`,
			`t/a\.cue:12:6: warning: shop/web is isolated for egress but cannot reach the cluster DNS`}},
	{"egress with DNS is quiet",
		"use: d: templates.#DefaultDeny & {namespace: \"shop\", direction: \"egress\"}\nuse: n: templates.#AllowDNS & {namespace: \"shop\"}\n",
		nil},
	{"policy selects nothing",
		"policies: p: {namespace: \"shop\", podSelector: matchLabels: app: \"wbe\", ingress: []}\n",
		[]string{`t/a\.cue:12:\d+: warning: the policy on shop/pods-\w+ selects no known workload`}},
	{"peer selects nothing",
		"policies: p: {namespace: \"shop\", workload: \"db\", ingress: [{from: [{namespace: \"nowhere\"}]}]}\n",
		[]string{`t/a\.cue:12:\d+: warning: .*nowhere peer of shop/db selects no known workload`}},
	{"shadowed rule",
		"policies: p: {namespace: \"shop\", workload: \"db\", ingress: [{from: [{workload: \"web\"}], ports: [\"postgres\"]}]}\n" +
			"policies: q: {namespace: \"shop\", workload: \"db\", ingress: [{from: [{namespace: \"shop\"}]}]}\n",
		[]string{`t/a\.cue:12:\d+: warning: this ingress rule of shop/db is redundant: the rule at t/a\.cue:13:\d+ already allows all of it`}},
	{"same peer narrower ports is shadowed",
		"policies: p: {namespace: \"shop\", workload: \"db\", ingress: [{from: [{workload: \"web\"}], ports: [5432]}]}\n" +
			"policies: q: {namespace: \"shop\", workload: \"db\", ingress: [{from: [{workload: \"web\"}], ports: [\"TCP/5000-6000\"]}]}\n",
		[]string{`t/a\.cue:12:\d+: warning: this ingress rule of shop/db is redundant`}},
	{"disjoint rules are quiet",
		"policies: p: {namespace: \"shop\", workload: \"db\", ingress: [{from: [{workload: \"web\"}], ports: [5432]}]}\n" +
			"policies: q: {namespace: \"shop\", workload: \"db\", ingress: [{from: [{cidr: \"192.0.2.0/24\"}], ports: [5432]}]}\n",
		nil},
	{"ipBlock over the pod network",
		"policies: p: {namespace: \"shop\", workload: \"web\", egress: [{to: [{cidr: \"10.0.0.0/8\"}]}, {to: [{dns: true}], ports: [\"UDP/53\"]}]}\n",
		[]string{`t/a\.cue:12:\d+: warning: ipBlock 10\.0\.0\.0/8 covers the pod network 10\.244\.0\.0/16`}},
	{"ipBlock over a known pod IP",
		"policies: p: {namespace: \"shop\", workload: \"web\", egress: [{to: [{cidr: \"10.1.2.0/24\"}]}, {to: [{dns: true}], ports: [\"UDP/53\"]}]}\n",
		[]string{`t/a\.cue:12:\d+: warning: ipBlock 10\.1\.2\.0/24 covers the IP 10\.1\.2\.3 of ops/agent`}},
	{"ipBlock whose except carves the pods out is quiet",
		"policies: p: {namespace: \"shop\", workload: \"web\", egress: [{to: [{cidr: \"0.0.0.0/0\", except: [\"10.0.0.0/8\"]}]}, {to: [{dns: true}], ports: [\"UDP/53\"]}]}\n",
		nil},
	{"ipBlock whose except carves part of the pods out",
		"policies: p: {namespace: \"shop\", workload: \"web\", egress: [{to: [{cidr: \"10.0.0.0/8\", except: [\"10.244.0.0/16\"]}]}, {to: [{dns: true}], ports: [\"UDP/53\"]}]}\n",
		[]string{`t/a\.cue:12:\d+: warning: ipBlock 10\.0\.0\.0/8 covers the IP 10\.1\.2\.3 of ops/agent`}},
	{"port not exposed",
		"policies: p: {namespace: \"shop\", workload: \"db\", ingress: [{from: [{workload: \"web\"}], ports: [5433]}]}\n",
		[]string{`t/a\.cue:12:\d+: warning: no destination of this rule declares TCP/5433`}},
	{"egress port not exposed",
		"policies: p: {namespace: \"shop\", workload: \"web\", egress: [{to: [{workload: \"db\"}], ports: [\"UDP/5432\"]}, {to: [{dns: true}], ports: [\"UDP/53\"]}]}\n",
		[]string{`t/a\.cue:12:\d+: warning: no destination of this rule declares UDP/5432`}},
	{"expectation holds",
		"use: d: templates.#DefaultDeny & {namespace: \"shop\", direction: \"ingress\"}\nexpect: x: {from: \"shop/web\", to: \"shop/db\", port: \"TCP/5432\", allowed: false}\n",
		nil},
	{"expectation fails",
		"use: d: templates.#DefaultDeny & {namespace: \"shop\", direction: \"ingress\"}\nexpect: \"web reaches db\": {from: \"shop/web\", to: \"shop/db\", port: \"postgres\", allowed: true}\n",
		[]string{`t/a\.cue:13:\d+: expect\."web reaches db": expected shop/web → shop/db on TCP/5432 to be allowed, but it is denied\n    hint: run: netpolc explain`}},
	{"expectation on an unknown workload",
		"expect: x: {from: \"shop/api\", to: \"shop/db\", port: \"TCP/5432\", allowed: false}\n",
		[]string{`t/a\.cue:12:\d+: expect\.x: cannot evaluate: .*shop/api`}},
}

func TestChecks(t *testing.T) {
	for _, tc := range checkCases {
		t.Run(tc.name, func(t *testing.T) {
			got := run(t, tc.src)
			findings := splitFindings(got)
			if len(findings) != len(tc.want) {
				t.Fatalf("got %d findings, want %d:\n%s", len(findings), len(tc.want), got)
			}
			for i, re := range tc.want {
				if !regexp.MustCompile(re).MatchString(findings[i]) {
					t.Errorf("finding %d does not match %q:\n%s", i, re, findings[i])
				}
			}
		})
	}
}

// splitFindings splits a printed list into findings (hints stay attached).
func splitFindings(s string) []string {
	if s == "" {
		return nil
	}
	var out []string
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(line, "    ") && len(out) > 0 {
			out[len(out)-1] += "\n" + line
			continue
		}
		out = append(out, line)
	}
	return out
}
