package manifests

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/internal/diag"
)

// FuzzParse checks that no input makes Parse panic and that every error
// it returns is a diagnostic at a position (file and line) with one of the
// package's causes. Seeds are small, so that it runs many inputs a second:
// the test data under 1 KiB (not the bombs, which TestBombs reads, and
// which cost their whole budget each) and a few inputs of every kind of
// problem.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*/*.*")
	for _, s := range seeds {
		data, err := os.ReadFile(s)
		if err == nil && len(data) <= 1<<10 && !strings.HasSuffix(s, ".golden") && !strings.Contains(s, "bombs") {
			f.Add(data)
		}
	}
	for _, s := range []string{
		"a: &a [*a, *a]\nb: &b [*a, *a, *a]\nc: [*b, *b, *b]\nkind: Pod\napiVersion: v1\n",
		"kind: List\napiVersion: v1\nitems: [{kind: List, apiVersion: v1, items: [{}]}]\n",
		"apiVersion: v1\nkind: Pod\nm: &m {a: 1}\nmetadata: {<<: [*m, *m], name: p, labels: {x: on}}\n",
		"apiVersion: networking.k8s.io/v2\nkind: NetworkPolicy\nmetadata: {name: p}\n",
		"apiVersion: v1\nkind: Namespace\nmetadata: {name: a\xff}\n---\n[1, 2\n",
		"{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": \"p\"}, \"status\": {\"podIP\": \"1.2.3\"}}",
		// The edge kinds (edge.go).
		"apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {selector: {a: b}, ports: [{port: 80, targetPort: http}]}\n" +
			"---\napiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: {a: b}}\nspec: {containers: [{name: c, ports: [{name: http, containerPort: 8080}]}]}\n",
		"apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: i}\nspec: {defaultBackend: {service: {name: s, port: {name: http}}}}\n",
		"apiVersion: route.openshift.io/v1\nkind: Route\nmetadata: {name: r}\nspec: {to: {kind: Service, name: s}, port: {targetPort: 8080}}\n",
		"apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: h, namespace: a}\nspec: {parentRefs: [{name: g}], " +
			"rules: [{backendRefs: [{name: s, namespace: b, port: 80}], filters: [{type: RequestMirror, requestMirror: {backendRef: {name: m, port: 1}}}]}]}\n" +
			"---\napiVersion: gateway.networking.k8s.io/v1beta1\nkind: ReferenceGrant\nmetadata: {name: g, namespace: b}\n" +
			"spec: {from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: a}], to: [{group: \"\", kind: Service, name: s}]}\n",
		"apiVersion: gateway.networking.k8s.io/v1\nkind: GRPCRoute\nmetadata: {name: g}\nspec: {parentRefs: [{name: g, kind: Service}], rules: [{backendRefs: [{name: s}]}]}\n",
		// The admin kinds, validated with the CRDs (validate_admin.go).
		experimentalOnly,
		"apiVersion: policy.networking.k8s.io/v1alpha1\nkind: BaselineAdminNetworkPolicy\nmetadata: {name: x}\n" +
			"spec: {subject: {pods: {}}, egress: [{action: Deny, to: [{networks: [10.0.0.0/33]}], ports: [{portRange: {protocol: TCP, start: 9, end: 1}}]}]}\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		const name = "fuzz.yaml"
		s, err := Parse(name, data)
		if err == nil {
			if s == nil {
				t.Fatal("nil Set without an error")
			}
			return
		}
		list, ok := err.(diag.List)
		if !ok {
			t.Fatalf("error %q is %T, not a diag.List", err, err)
		}
		for _, d := range list {
			at := fmt.Sprintf("%s:%d", name, d.Pos.Line)
			if d.Pos.File != name || d.Pos.Line < 1 || !strings.HasPrefix(d.Error(), at) || !isCause(d.Err) {
				t.Fatalf("error %q (cause %v) has no position in %s", d, d.Err, name)
			}
		}
	})
}
