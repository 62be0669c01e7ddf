package intent_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/intent"
)

// good is a valid intents file the cases add to.
const good = "package t\n\nnamespaces: shop: workloads: web: ports: http: 8080\n"

// withTemplates starts a file that imports the templates (2 lines).
const withTemplates = "package t\nimport \"netpolc.dev/templates\"\n"

// TestNothingDropped checks that every .cue file of the directory is part
// of the package or an error naming it, and that entries which would never
// take effect are errors: each case must fail with a diagnostic matching
// want (file:line:col: path: message), read from disk (Load) and from
// memory as the git gate reads a snapshot (LoadFiles).
func TestNothingDropped(t *testing.T) {
	defaultDeny := "templates.#DefaultDeny & {namespace: \"shop\"}"
	cases := []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{"no package clause", map[string]string{"b.cue": "namespaces: shop: workloads: db: {}\n"},
			[]string{`^d/b\.cue:1:1: no package clause`}},
		{"comment only", map[string]string{"b.cue": "// use: deny: x\n\n"},
			[]string{`^d/b\.cue:1:1: no package clause`}},
		{"underscore", map[string]string{"_b.cue": "package t\n"}, []string{`^d/_b\.cue:1:1: CUE ignores files whose name starts with _`}},
		{"dot", map[string]string{".b.cue": "package t\n"}, []string{`^d/\.b\.cue:1:1: CUE ignores files whose name starts with \.`}},
		{"test file", map[string]string{"b_test.cue": "package t\n"}, []string{`^d/b_test\.cue:1:1: CUE reads \*_test\.cue`}},
		{"tool file", map[string]string{"b_tool.cue": "package t\n"}, []string{`^d/b_tool\.cue:1:1: CUE reads \*_tool\.cue`}},
		{"@if", map[string]string{"b.cue": "// prod only\n@if(prod)\npackage t\n"}, []string{`^d/b\.cue:2:1: @if attribute`}},
		{"@ignore", map[string]string{"b.cue": "@ignore()\n\npackage t\n"}, []string{`^d/b\.cue:1:1: @ignore attribute`}},
		{"anonymous package", map[string]string{"b.cue": "package _\n"}, []string{`^d/b\.cue:1:1: package _ is anonymous`}},
		{"other package", map[string]string{"b.cue": "package u\n"}, []string{`^d/a\.cue:1:1: found packages "t" \(a\.cue\) and "u" \(b\.cue\)`}},
		{"optional use", map[string]string{"b.cue": withTemplates + "use: deny?: " + defaultDeny + "\n"},
			[]string{`^d/b\.cue:3:6: use\.deny: an optional field declares no entry`}},
		{"required use", map[string]string{"b.cue": withTemplates + "use: {\n\tdeny!: " + defaultDeny + "\n}\n"},
			[]string{`^d/b\.cue:4:2: use\.deny: a required field declares no entry`}},
		{"pattern use", map[string]string{"b.cue": withTemplates + "use: [string]: " + defaultDeny + "\n"},
			[]string{`^d/b\.cue:3:6: use\.\[string\]: a pattern constraint declares no entry`}},
		{"hidden use", map[string]string{"b.cue": withTemplates + "use: _deny: " + defaultDeny + "\n"},
			[]string{`^d/b\.cue:3:6: use\._deny: netpolc reads only regular entries`}},
		{"definition in policies", map[string]string{"b.cue": "package t\npolicies: #p: {namespace: \"shop\", ingress: []}\n"},
			[]string{`^d/b\.cue:2:11: policies\.#p: netpolc reads only regular entries`}},
		{"optional guardrail", map[string]string{"b.cue": "package t\nguardrails: g?: deny: {from: \"world\", to: \"shop/*\"}\n"},
			[]string{`^d/b\.cue:2:13: guardrails\.g: an optional field declares no entry`}},
		{"pattern policies", map[string]string{"b.cue": "package t\npolicies: [N=string]: {namespace: \"shop\", ingress: []}\n"},
			[]string{`^d/b\.cue:2:11: policies\.\[string\]: a pattern constraint`}},
		{"optional expect", map[string]string{"b.cue": "package t\nexpect: e?: {from: \"shop/web\", to: \"shop/web\", port: \"TCP/1\", allowed: false}\n"},
			[]string{`^d/b\.cue:2:9: expect\.e: an optional field`}},
		{"optional collection", map[string]string{"b.cue": "package t\nguardrails?: g: deny: {from: \"world\", to: \"shop/*\"}\n"},
			[]string{`^d/b\.cue:2:1: guardrails: an optional field declares no value`}},
		{"entry via a hidden helper", map[string]string{"b.cue": withTemplates + "_extra: {deny?: " + defaultDeny + "}\nuse: _extra\n"},
			[]string{`^d/b\.cue:\d+:\d+: use\.deny: an optional field`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { checkBothLoads(t, tc.files, tc.want) })
	}
}

// checkBothLoads loads good plus extra from disk and from memory and
// requires both errors to match want.
func checkBothLoads(t *testing.T, extra map[string]string, want []string) {
	files := map[string][]byte{"a.cue": []byte(good)}
	for name, data := range extra {
		files[name] = []byte(data)
	}
	_, memErr := intent.LoadFiles("d", files)
	_, diskErr := intent.Load(writeDir(t, files))
	for what, err := range map[string]error{"Load": diskErr, "LoadFiles": memErr} {
		checkErr(t, what, err, want)
	}
}

// checkErr requires err to hold a line matching each of want.
func checkErr(t *testing.T, what string, err error, want []string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error, want %q", what, want)
		return
	}
	for _, re := range want {
		if !regexp.MustCompile("(?m)" + re).MatchString(err.Error()) {
			t.Errorf("%s: error does not match %q:\n%s", what, re, err)
		}
	}
	if !strings.Contains(err.Error(), "hint: ") {
		t.Errorf("%s: error has no hint:\n%s", what, err)
	}
}

// TestRegularEntriesLoad checks that the ordinary ways of writing entries
// stay accepted: definitions and hidden fields outside the collections,
// entries written by a comprehension, and template definitions with
// optional inputs.
func TestRegularEntriesLoad(t *testing.T) {
	src := withTemplates + `
namespaces: shop: workloads: web: ports: http: 8080
#Mine: {namespace: string, workload?: string, policies: p: {"namespace": namespace, ingress: []}}
_names: ["a", "b"]
use: {for n in _names {"deny-\(n)": templates.#DefaultDeny & {namespace: "shop"}}}
use: mine: #Mine & {namespace: "shop"}
policies: web: {namespace: "shop", workload: "web", ingress: [{from: [{workload: "web"}]}]}
guardrails: g: deny: {from: "world", to: "shop/*"}
expect: e: {from: "shop/web", to: "shop/web", port: "TCP/8080", allowed: true}
`
	if _, err := intent.LoadFiles("d", map[string][]byte{"a.cue": []byte(src)}); err != nil {
		t.Fatal(err)
	}
}
