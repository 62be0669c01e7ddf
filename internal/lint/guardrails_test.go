package lint_test

import (
	"regexp"
	"testing"
)

// TestGuardrails: each guardrail kind holds (no finding) or breaks (one
// error at the guardrail, naming the flows and the lines that allow them),
// checked against the evaluation model.
// denyShop isolates the shop both ways and allows its DNS.
const denyShop = "use: d: templates.#DefaultDeny & {namespace: \"shop\"}\nuse: n: templates.#AllowDNS & {namespace: \"shop\"}\n"

// guardrailCases are TestGuardrails's cases.
var guardrailCases = []struct {
	name string
	src  string
	want []string // regexps, one per finding, in order
}{
	{"noIngressFromWorld holds behind default deny",
		denyShop + "guardrails: g: noIngressFromWorld: \"shop/*\"\n",
		nil},
	{"noIngressFromWorld broken by a non-isolated namespace",
		"guardrails: g: {reason: \"PCI\", noIngressFromWorld: {namespace: \"shop\"}}\n",
		[]string{`t/a\.cue:12:\d+: guardrails\.g: guardrail broken: nothing outside the cluster may reach namespace shop \(PCI\); 4 flow\(s\) allowed:\n` +
			` +ip:0\.0\.0\.0-255\.255\.255\.255 → shop/db all  ← shop/db not isolated for ingress \(declared at t/a\.cue:7:2\)\n` +
			` +ip:0\.0\.0\.0-255\.255\.255\.255 → shop/web all  ← shop/web not isolated for ingress \(declared at t/a\.cue:6:2\)\n` +
			` +ip:::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff → shop/db all  ← shop/db not isolated for ingress`}},
	{"noIngressFromWorld broken by an explicit rule",
		denyShop + "policies: p: {namespace: \"shop\", workload: \"web\", ingress: [{from: [{world: true}], ports: [\"http\"]}]}\n" +
			"guardrails: g: noIngressFromWorld: [\"shop/db\", \"shop/web\"]\n",
		[]string{`t/a\.cue:15:\d+: guardrails\.g: .*2 flow\(s\) allowed:\n +ip:0\.0\.0\.0-255\.255\.255\.255 → shop/web TCP/8080  ← t/a\.cue:14:\d+\n +ip:::-ffff:.* → shop/web TCP/8080`}},
	{"defaultDeny holds",
		denyShop + "use: o: templates.#DefaultDeny & {namespace: \"ops\"}\nuse: on: templates.#AllowDNS & {namespace: \"ops\"}\nguardrails: g: defaultDeny: {}\n",
		nil},
	{"defaultDeny broken in one direction",
		"use: d: templates.#DefaultDeny & {namespace: \"shop\", direction: \"ingress\"}\nguardrails: g: defaultDeny: namespaces: [\"shop\"]\n",
		[]string{`t/a\.cue:13:\d+: guardrails\.g: guardrail broken: namespaces shop must deny ingress and egress by default:\n +shop/db is not isolated for egress\n +shop/web is not isolated for egress`}},
	{"defaultDeny except",
		denyShop + "guardrails: g: defaultDeny: {except: [\"ops\"], direction: \"ingress\"}\n",
		nil},
	{"onlyFrom broken by another source on the guarded port",
		denyShop + "policies: p: {namespace: \"shop\", workload: \"db\", ingress: [{from: [{workload: \"web\"}, {workload: \"ops/agent\"}], ports: [\"postgres\"]}]}\n" +
			"guardrails: \"db only from web\": onlyFrom: {to: \"shop/db\", from: \"shop/web\", ports: [\"postgres\"]}\n",
		[]string{`t/a\.cue:15:\d+: guardrails\."db only from web": guardrail broken: shop/db may be reached only from shop/web on TCP/postgres; 1 flow\(s\) allowed:\n +ops/agent → shop/db TCP/5432  ← ops/agent not isolated for egress.*, t/a\.cue:14:\d+`}},
	{"onlyFrom ignores other ports",
		denyShop + "policies: p: {namespace: \"shop\", workload: \"db\", ingress: [{from: [{workload: \"ops/agent\"}], ports: [9187]}]}\n" +
			"guardrails: g: onlyFrom: {to: \"shop/db\", from: \"shop/web\", ports: [\"TCP/5432\"]}\n",
		[]string{`warning: no destination of this rule declares TCP/9187`}},
	{"onlyTo holds when CIDRs together cover the range",
		"policies: p: {namespace: \"shop\", workload: \"web\", egress: [{to: [{cidr: \"203.0.113.0/24\"}]}]}\n" +
			"guardrails: g: onlyTo: {from: \"shop/web\", to: [\"203.0.113.0/25\", \"203.0.113.128/25\"]}\n",
		[]string{`warning: shop/web is isolated for egress but cannot reach the cluster DNS`}},
	// The model does not split 203.0.113.0/24 (only the policy's
	// blocks are in play), so the whole range breaks the guardrail.
	{"onlyTo broken by part of a range",
		"policies: p: {namespace: \"shop\", workload: \"web\", egress: [{to: [{cidr: \"203.0.113.0/24\"}]}]}\n" +
			"guardrails: g: onlyTo: {from: \"shop/web\", to: \"203.0.113.0/25\"}\n",
		[]string{`warning: shop/web is isolated for egress`,
			`t/a\.cue:13:\d+: guardrails\.g: .*shop/web may reach only 203\.0\.113\.0/25; 1 flow\(s\) allowed:\n +shop/web → ip:203\.0\.113\.0-203\.0\.113\.255 all`}},
	{"deny with a selector pattern",
		"guardrails: g: deny: {from: {namespace: \"shop\", podSelector: matchLabels: app: \"web\"}, to: \"shop/db\", ports: [5432, \"UDP\"]}\n",
		[]string{`t/a\.cue:12:\d+: guardrails\.g: guardrail broken: namespace shop and pods app=web must not reach shop/db on TCP/5432, UDP; 1 flow\(s\) allowed:\n +shop/web → shop/db TCP/5432,UDP/1-65535`}},
	{"deny holds",
		denyShop + "guardrails: g: deny: {from: \"*\", to: \"shop/db\"}\nguardrails: h: deny: {from: \"world\", to: \"shop/*\"}\n",
		nil},
	{"pattern naming an unknown workload",
		"guardrails: g: deny: {from: \"shop/wbe\", to: \"shop/db\"}\n",
		[]string{`t/a\.cue:12:\d+: guardrails\.g: guardrail "g" names workload shop/wbe, which the model does not know`}},
	{"pattern naming an unknown namespace",
		"guardrails: g: defaultDeny: namespaces: [\"shpo\"]\n",
		[]string{`guardrail "g" names namespace shpo, which the model does not know`}},
}

func TestGuardrails(t *testing.T) {
	for _, tc := range guardrailCases {
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
