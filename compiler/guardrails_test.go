package compiler_test

import (
	"regexp"
	"testing"

	"github.com/netpolc/netpolc/internal/portset"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/netpolc/netpolc/compiler"
	"github.com/netpolc/netpolc/internal/ir"
)

// guardDecl declares what the guardrail cases refer to; case lines start
// at line 6.
const guardDecl = `package t

namespaces: shop: workloads: {web: ports: http: 8080, db: ports: postgres: 5432}
namespaces: ops: workloads: agent: {}

`

func compileGuard(t *testing.T, src string) (*compiler.Result, error) {
	t.Helper()
	return compileFiles(map[string]string{"g.cue": guardDecl + src})
}

// TestGuardrailDecoding: every kind and pattern form decodes, with its
// position, sorted by name.
func TestGuardrailDecoding(t *testing.T) {
	res, err := compileGuard(t, `guardrails: {
	"z-world": {reason: "PCI", noIngressFromWorld: {namespace: "shop"}}
	deny: defaultDeny: {}
	"db-from-app": onlyFrom: {to: "shop/db", from: ["shop/web", "ops/*"], ports: ["postgres", "TCP/8000-8100", "UDP"]}
	egress: onlyTo: {from: {namespaceSelector: matchLabels: team: "x", podSelector: matchLabels: app: "a"}, to: ["10.0.0.0/8", "world", "*"]}
	no: deny: {from: {podSelector: {}}, to: {workload: "shop/db"}}
	ingress: defaultDeny: {namespaces: ["shop"], direction: "ingress"}
}
`)
	if err != nil {
		t.Fatal(err)
	}
	type short struct {
		Name, Kind, Reason string
		From, To           []string
		Ports              []ir.Port
		Namespaces         []string
		Directions         []ir.Direction
		Line               int
	}
	texts := func(ps []ir.EndpointPattern) []string {
		var out []string
		for _, p := range ps {
			out = append(out, p.Text)
		}
		return out
	}
	var got []short
	for _, g := range res.Policy.Guardrails {
		got = append(got, short{g.Name, string(g.Kind), g.Reason, texts(g.From), texts(g.To), g.Ports, g.Namespaces, g.Directions, g.Origin.Line})
	}
	both := []ir.Direction{ir.Ingress, ir.Egress}
	want := []short{
		{Name: "db-from-app", Kind: "onlyFrom", From: []string{"shop/web", "ops/*"}, To: []string{"shop/db"},
			Ports: []ir.Port{{Protocol: portset.TCP, Name: "postgres"}, {Protocol: portset.TCP, Number: 8000, End: 8100}, {Protocol: portset.UDP}}, Line: 9},
		{Name: "deny", Kind: "defaultDeny", Directions: both, Line: 8},
		{Name: "egress", Kind: "onlyTo", From: []string{"namespaces team=x and pods app=a"}, To: []string{"10.0.0.0/8", "world", "*"}, Line: 10},
		{Name: "ingress", Kind: "defaultDeny", Namespaces: []string{"shop"}, Directions: []ir.Direction{ir.Ingress}, Line: 12},
		{Name: "no", Kind: "deny", From: []string{"pods <none>"}, To: []string{"shop/db"}, Line: 11},
		{Name: "z-world", Kind: "noIngressFromWorld", Reason: "PCI", From: []string{"world"}, To: []string{"namespace shop"}, Line: 7},
	}
	if d := cmp.Diff(want, got, cmpopts.EquateEmpty()); d != "" {
		t.Errorf("decoded guardrails (-want +got):\n%s", d)
	}
	egress := res.Policy.Guardrails[2]
	if !egress.To[0].CIDR.IsValid() || !egress.To[1].World || !egress.To[2].Any || egress.From[0].NamespaceSelector == nil || egress.From[0].Pods == nil {
		t.Errorf("pattern fields not decoded: %+v", egress)
	}
	if no := res.Policy.Guardrails[4]; no.From[0].NamespaceSelector == nil || len(no.From[0].NamespaceSelector.MatchLabels) != 0 {
		t.Errorf("a bare podSelector must match in every namespace: %+v", no.From[0])
	}
}

// TestGuardrailErrors: malformed guardrails are compile errors (exit 2)
// at the guardrail's position, with a hint.
func TestGuardrailErrors(t *testing.T) {
	cases := []struct{ name, src, want string }{
		{"no kind", `guardrails: g: reason: "x"` + "\n", `g\.cue:6:\d+: guardrails\.g: guardrail "g" sets none\n    hint: set exactly one of noIngressFromWorld, defaultDeny, onlyFrom, onlyTo, deny`},
		{"two kinds", `guardrails: g: {defaultDeny: {}, noIngressFromWorld: "shop/*"}` + "\n", `g\.cue:6:\d+: .*guardrail "g" sets noIngressFromWorld and defaultDeny`},
		{"unknown field", `guardrails: g: deny: {from: "*", to: "*", port: [80]}` + "\n", `g\.cue:6:\d+: .*port.*not allowed`},
		{"misspelt kind", `guardrails: g: onlyFrm: {from: "*", to: "*"}` + "\n", `g\.cue:6:\d+: .*onlyFrm.*not allowed`},
		{"bad direction", `guardrails: g: defaultDeny: direction: "up"` + "\n", `g\.cue:6:\d+: `},
		{"host bits", `guardrails: g: deny: {from: "10.0.0.1/8", to: "*"}` + "\n", `g\.cue:6:\d+: .*CIDR "10\.0\.0\.1/8" has host bits set\n    hint: did you mean 10\.0\.0\.0/8`},
		{"bad pattern", `guardrails: g: deny: {from: "shop", to: "*"}` + "\n", `g\.cue:6:\d+: .*invalid endpoint pattern "shop"\n    hint: write "namespace/name"`},
		{"bad namespace pattern", `guardrails: g: deny: {from: "Shop/*", to: "*"}` + "\n", `g\.cue:6:\d+: .*"Shop" is not a namespace name`},
		{"empty list", `guardrails: g: deny: {from: [], to: "*"}` + "\n", `g\.cue:6:\d+: .*an empty endpoint list matches nothing`},
		{"empty ports", `guardrails: g: deny: {from: "*", to: "*", ports: []}` + "\n", `g\.cue:6:\d+: .*an empty .ports. list checks nothing`},
		{"unknown named port", `guardrails: g: deny: {from: "*", to: "*", ports: ["grpc"]}` + "\n", `g\.cue:6:\d+: .*no workload declares a port named "grpc"`},
		{"two pattern kinds", `guardrails: g: deny: {from: {cidr: "10.0.0.0/8", workload: "shop/web"}, to: "*"}` + "\n", `g\.cue:6:\d+: .*an endpoint pattern sets workload and cidr`},
		{"except with namespaces", `guardrails: g: defaultDeny: {namespaces: ["shop"], except: ["ops"]}` + "\n", `g\.cue:6:\d+: .*except only applies when namespaces is omitted`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := compileGuard(t, tc.src)
			if err == nil {
				t.Fatal("no error")
			}
			if !regexp.MustCompile(tc.want).MatchString(err.Error()) {
				t.Errorf("error does not match %q:\n%s", tc.want, err)
			}
		})
	}
}
