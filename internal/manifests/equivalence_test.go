package manifests

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/internal/diag"
)

// parseBoth reads data with the node decoder and with the decoder before
// it (legacy_test.go).
func parseBoth(t *testing.T, data []byte) (got, want *Set, gotErr, wantErr error) {
	t.Helper()
	lim, err := loadBounds()
	if err != nil {
		t.Fatal(err)
	}
	files := []File{{Name: "x.yaml", Data: data}}
	got, gotErr = newBuilder(lim).run(files)
	old := newBuilder(lim)
	old.decoder = legacyDecode
	want, wantErr = old.run(files)
	return got, want, gotErr, wantErr
}

func checkEquivalent(t *testing.T, data []byte) {
	t.Helper()
	got, want, gotErr, wantErr := parseBoth(t, data)
	if !slices.Equal(problems(gotErr), problems(wantErr)) {
		t.Fatalf("input %q\nnode decoder: %v\nJSON decoder: %v", data, gotErr, wantErr)
	}
	if got != nil && want != nil {
		got.Notes, want.Notes = positionless(got.Notes), positionless(want.Notes)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("input %q\nnode decoder: %+v\nJSON decoder: %+v", data, got, want)
	}
}

// problems are the problems of err, sorted, with their positions but
// for type errors ("want int32, found string") and unknown fields: the
// node decoder names the node itself, where the JSON decoder's error was
// traced back to one by its field path (and JSON offset), which named the
// object instead when the path did not lead back (the error of a custom
// unmarshaler, an IntOrString given a list; a key that is empty or holds
// a dot). TestErrorKinds and the script tests check those positions.
func problems(err error) []string {
	if err == nil {
		return nil
	}
	list, ok := err.(diag.List)
	if !ok {
		return []string{err.Error()}
	}
	var out []string
	for _, d := range list {
		pos := d.Pos.String()
		if strings.HasPrefix(d.Msg, "want ") || strings.HasPrefix(d.Msg, "unknown field ") {
			pos = d.Pos.File
		}
		out = append(out, fmt.Sprintf("%s: %s: %s (%s) %v", pos, d.Path, d.Msg, d.Hint, d.Err))
	}
	slices.Sort(out)
	return out
}

// TestDecodeEquivalence reads the test data and the cases below with both
// decoders.
func TestDecodeEquivalence(t *testing.T) {
	files, _ := filepath.Glob("testdata/*/*.*")
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil || strings.HasSuffix(f, ".golden") || strings.Contains(f, "bombs") {
			continue
		}
		t.Run(f, func(t *testing.T) { checkEquivalent(t, data) })
	}
	for _, s := range equivalenceCases {
		checkEquivalent(t, []byte(s))
	}
}

// equivalenceCases are type errors, unknown fields and custom unmarshalers
// at every depth.
var equivalenceCases = []string{
	"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostNetwork: 3\n",
	"apiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: {a: [b]}}\n",
	"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, ports: [{containerPort: 1.5}, {containerPort: x}]}]}\n",
	"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, resources: {limits: {cpu: abc}}}]}\n",
	"apiVersion: v1\nkind: Pod\nmetadata: {name: p, creationTimestamp: yesterday}\n",
	"apiVersion: v1\nkind: Pod\nmetadata: {name: p, creationTimestamp: null, deletionTimestamp: null}\n",
	"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, livenessProbe: {httpGet: {port: [1]}}}]}\n",
	"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {volumes: [{name: v, configMap: 3}]}\n",
	"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {priority: 99999999999, containrs: [], x: {y: 1}}\nstatus: {podIPs: [{ip: 10.0.0.1}, {ip: 10.0.0.2, other: 1}]}\n",
	"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, ownerReferences: [{kind: X, name: y, controller: true, apiVersion: v1, uid: u}]}\nspec:\n  replicas: \"3\"\n",
	"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {strategy: {rollingUpdate: {maxSurge: 25%, maxUnavailable: {a: 1}}}, template: {metadata: {labels: {a: b}}, spec: {hostNetwork: true, containers: [{name: c, ports: [{name: http, containerPort: 80}]}]}}}\n",
	"apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec: {jobTemplate: {spec: {template: {metadata: {labels: {a: b}}, spec: {initContainers: [{name: i, restartPolicy: Always, ports: [{name: p, containerPort: 1, protocol: UDP}]}]}}}}}\n",
	"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p}\nspec: {podSelector: {}, ingress: [{ports: [{port: http}, {port: 80, endPort: 90}], from: [{ipBlock: {cidr: 10.0.0.0/8}}]}], polcyTypes: [Ingress]}\n",
	"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p}\nspec: {podSelector: {matchLabels: {a: 1}}}\n",
	"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p}\nspec: {podSelector: {}, ingress: [{ports: [{port: [1]}]}]}\n",
	"apiVersion: v1\nkind: Namespace\nmetadata: {name: a, labels: {b: c}}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: a, labels: {b: d}}\n",
	"apiVersion: v1\nkind: List\nitems:\n- &a {apiVersion: v1, kind: Namespace, metadata: {name: a}}\n- *a\n- {apiVersion: v1, kind: Namespace, metadata: {name: a, uid: x}}\n",
	"apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {selector: {a: b}, ports: [{port: 80, targetPort: http}, {port: x}]}\n",
	"apiVersion: v1\nkind: Pod\nm: &m {a: 1}\nmetadata: {<<: [*m, *m], name: p, labels: {x: on}}\n",
	"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, ports: [{containerPort: 0x50, name: a}, {containerPort: 1e3, name: b}, {containerPort: +7, name: c}]}]}\n",
}

// FuzzDecodeEquivalence checks, on arbitrary input, that decoding objects
// straight from their nodes yields what rendering them as JSON and
// decoding that with sigs.k8s.io/json yielded: the same objects, the same
// errors at the same positions, the same notes.
func FuzzDecodeEquivalence(f *testing.F) {
	for _, s := range equivalenceCases {
		f.Add([]byte(s))
	}
	seeds, _ := filepath.Glob("testdata/*/*.*")
	for _, s := range seeds {
		data, err := os.ReadFile(s)
		if err == nil && len(data) <= 1<<10 && !strings.HasSuffix(s, ".golden") && !strings.Contains(s, "bombs") {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkEquivalent(t, data) })
}

// positionless drops the positions of the notes of unknown fields (see
// problems).
func positionless(notes []string) []string {
	out := slices.Clone(notes)
	for i, n := range out {
		if _, rest, ok := strings.Cut(n, ": ignored unknown field "); ok {
			out[i] = "ignored unknown field " + rest
		}
	}
	return out
}
