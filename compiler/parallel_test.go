package compiler

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/intent"
	"github.com/netpolc/netpolc/internal/diag"
)

// TestParallelMatchesSerial compiles several directories (as owners'
// directories are) on every CPU and in turn, and requires the same IR,
// warnings or diagnostics, where the directories meet too: a namespace or
// a cluster-wide intent written in two, limits only reached together.
func TestParallelMatchesSerial(t *testing.T) {
	const imp = "package t\nimport \"netpolc.dev/templates\"\n"
	shop := imp + `namespaces: shop: workloads: {web: ports: http: 8080, db: ports: pg: 5432}
use: "shop-deny": templates.#DefaultDeny & {namespace: "shop"}
policies: "db-in": {namespace: "shop", workload: "db", ingress: [{from: [{workload: "shop/web"}, {workload: "pay/api"}], ports: ["pg"]}]}
`
	pay := imp + `namespaces: pay: workloads: api: ports: grpc: 9443
use: "pay-deny": templates.#DefaultDeny & {namespace: "pay"}
use: dns: templates.#ClusterAllowDNS
policies: "api-out": {namespace: "pay", workload: "api", egress: [{to: [{workload: "shop/db"}], ports: ["TCP/5432"]}]}
`
	cases := []struct {
		name, want string // want: in the serial outcome
		dirs       []string
		lim        func(*intent.Limits)
	}{
		{"apart", `"Rules":[{`, []string{shop, pay}, nil},
		{"a namespace in two", `namespace "shop" is declared at d0/a.cue`, []string{shop, pay, "package t\nnamespaces: shop: workloads: x: {}\n"}, nil},
		{"a cluster-wide intent in two", "is also written at", []string{shop, pay, imp + "use: dns: templates.#ClusterAllowDNS\n"}, nil},
		{"an error in the second", `workload "nope" is not declared`, []string{shop, pay + `policies: bad: {namespace: "pay", workload: "nope", ingress: []}` + "\n"}, nil},
		{"policies over the limit together", "more than 4 policies", []string{shop, pay}, func(l *intent.Limits) { l.Policies = 4 }},
		{"rules over the limit together", "more than 3 rules", []string{shop, pay}, func(l *intent.Limits) { l.Rules = 3 }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			lim := intent.DefaultLimits
			if tc.lim != nil {
				tc.lim(&lim)
			}
			var sets []*intent.Set
			for i, src := range tc.dirs {
				s, err := intent.LoadFilesWith(fmt.Sprintf("d%d", i), map[string][]byte{"a.cue": []byte(src)}, lim)
				if err != nil {
					t.Fatal(err)
				}
				sets = append(sets, s)
			}
			serial := outcome(t)(compileAll(sets, false, nil))
			if !strings.Contains(serial, tc.want) {
				t.Fatalf("in turn: %s\nwant %q in it", serial, tc.want)
			}
			if got := outcome(t)(CompileAll(sets)); got != serial {
				t.Errorf("in parallel:\n%s\nin turn:\n%s", got, serial)
			}
		})
	}
}

func outcome(t *testing.T) func(*Result, error) string {
	return func(res *Result, err error) string {
		if err != nil {
			return diag.Collect(err).Error()
		}
		ir, jerr := json.Marshal(res.Policy)
		if jerr != nil {
			t.Fatal(jerr)
		}
		return string(ir) + "\n" + res.Warnings.Error()
	}
}
