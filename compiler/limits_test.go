package compiler_test

import (
	"regexp"
	"testing"

	"github.com/netpolc/netpolc/compiler"
	"github.com/netpolc/netpolc/intent"
)

// TestExpansionLimits: what templates and comprehensions expand into is
// bounded too, with the position of the first policy, rule or list past
// the limit and the override in the hint.
func TestExpansionLimits(t *testing.T) {
	lim := intent.DefaultLimits
	lim.Policies, lim.Rules, lim.List = 5, 8, 6
	decl := "package t\n\nimport \"list\"\n\nnamespaces: shop: workloads: {web: {}, db: {}}\n"
	cases := []struct{ name, src, want string }{
		{"policies from a comprehension", decl + "#Many: {policies: {for i in list.Range(0, 10, 1) {\"p\\(i)\": {namespace: \"shop\", ingress: []}}}}\nuse: many: #Many\n",
			`^t/a\.cue:7:6: use\.many\.policies\.p5: the intents expand into more than 5 policies, the limit \(this is the first one past it\)\n    hint: if this is intended, raise the limit: NETPOLC_LIMITS=policies=10`},
		{"rules", "package t\n\n\n\nnamespaces: shop: workloads: {web: {}, db: {}}\n" + "policies: p: {namespace: \"shop\", workload: \"db\", ingress: [{from: [{workload: \"web\"}, {all: true}, {world: true}]}, {from: [{workload: \"web\"}, {all: true}, {world: true}]}, {from: [{dns: true}, {namespace: \"shop\"}, {cidr: \"10.0.0.0/8\"}]}]}\n",
			`^t/a\.cue:6:\d+: policies\.p\.ingress\[2\]\.from\[2\]: the intents expand into more than 8 rules`},
		{"a computed list", decl + "policies: p: {namespace: \"shop\", workload: \"db\", ingress: [{from: [{all: true}], ports: [for i in list.Range(1, 20, 1) {i}]}]}\n",
			`^t/a\.cue:6:\d+: policies\.p\.ingress\[0\]\.ports: this list has 19 elements, over the limit of 6`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			set, err := intent.LoadFilesWith("t", map[string][]byte{"a.cue": []byte(tc.src)}, lim)
			if err != nil {
				t.Fatal(err)
			}
			_, err = compiler.Compile(set)
			if err == nil || !regexp.MustCompile(tc.want).MatchString(err.Error()) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}
