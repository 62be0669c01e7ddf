package manifests

import (
	"errors"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/netpolc/netpolc/internal/diag"

	"github.com/netpolc/netpolc/internal/inventory"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// summary renders a Set as stable text for golden files.
func summary(s *Set) string {
	var b strings.Builder
	for _, ns := range s.Inventory.Namespaces {
		fmt.Fprintf(&b, "namespace %s %s @%s\n", ns.Name, labels(ns.Labels), at(ns.Source))
	}
	for _, e := range s.Inventory.Endpoints {
		fmt.Fprintf(&b, "endpoint %s %s %s ports%v ips%v @%s\n", e.ID(), e.Kind, labels(e.Labels), e.Ports, e.IPs, at(e.Source))
	}
	for _, p := range s.NetworkPolicies {
		fmt.Fprintf(&b, "NetworkPolicy %s/%s ingress=%d egress=%d types=%v @%s\n",
			p.Namespace, p.Name, len(p.Spec.Ingress), len(p.Spec.Egress), p.Spec.PolicyTypes, at(p.Source))
	}
	for _, p := range s.ClusterNetworkPolicies {
		fmt.Fprintf(&b, "ClusterNetworkPolicy %s tier=%s priority=%d @%s\n", p.Name, p.Spec.Tier, p.Spec.Priority, at(p.Source))
	}
	for _, p := range s.AdminNetworkPolicies {
		fmt.Fprintf(&b, "AdminNetworkPolicy %s priority=%d @%s\n", p.Name, p.Spec.Priority, at(p.Source))
	}
	for _, p := range s.BaselineAdminNetworkPolicies {
		fmt.Fprintf(&b, "BaselineAdminNetworkPolicy %s @%s\n", p.Name, at(p.Source))
	}
	for _, sv := range s.Edge.Services {
		fmt.Fprintf(&b, "Service %s %q @%s\n", sv.ID(), sv.Note, at(sv.Source))
		for _, p := range sv.Ports {
			fmt.Fprintf(&b, "  port %q %s/%d target=%q -> %v missing=%v\n", p.Name, p.Protocol, p.Port, p.TargetName, targets(p.Targets), p.Missing)
		}
	}
	for _, r := range s.Edge.Routes {
		fmt.Fprintf(&b, "route %s via %s -> %s port %s -> %v @%s\n", r.Controller, r.Via, r.Service, r.Port, targets(r.Targets), at(r.Source))
	}
	for _, n := range s.Notes {
		fmt.Fprintf(&b, "note %s\n", n)
	}
	return b.String()
}

func targets(ts []inventory.Target) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = fmt.Sprintf("%s:%s/%d", t.Endpoint, t.Protocol, t.Port)
	}
	return out
}

func labels(l map[string]string) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(l)) {
		parts = append(parts, k+"="+l[k])
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// golden compares got with the file, or rewrites it under -update.
func golden(t *testing.T, file, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (go test -update rewrites it)\n--- got\n%s\n--- want\n%s", file, got, want)
	}
}

func TestParseGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/valid/*.*")
	for _, f := range files {
		if strings.HasSuffix(f, ".golden") {
			continue
		}
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			s, err := Parse(f, data)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			golden(t, f+".golden", summary(s))
		})
	}
}

func TestLoadDirectory(t *testing.T) {
	// The hidden directory holds a broken file and README.txt is not YAML:
	// both must be left alone.
	s, err := Load("testdata/dir", "testdata/dir/a.yaml")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	golden(t, "testdata/dir.golden", summary(s))
}

func TestErrorsGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/errors/*.yaml")
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			s, err := Load(f)
			if err == nil {
				t.Fatalf("no error; got\n%s", summary(s))
			}
			if s != nil {
				t.Errorf("Set %v returned with an error", s)
			}
			checkErrors(t, f, err)
			golden(t, strings.TrimSuffix(f, ".yaml")+".golden", err.Error()+"\n")
		})
	}
}

// checkErrors asserts err is a diag.List of diagnostics that each name
// file and a line, with one of the package's causes.
func checkErrors(t *testing.T, file string, err error) {
	t.Helper()
	list, ok := err.(diag.List)
	if !ok {
		t.Fatalf("%v is %T, not a diag.List", err, err)
	}
	for _, d := range list {
		if d.Pos.File != file || d.Pos.Line < 1 || !strings.HasPrefix(d.Error(), file+":") {
			t.Errorf("%q does not name %s and a line", d, file)
		}
		if !isCause(d.Err) {
			t.Errorf("%q has cause %v, not one of the package's", d, d.Err)
		}
	}
}

// isCause tells whether err is one of the causes the package reports.
func isCause(err error) bool {
	for _, c := range []error{errRead, errSyntax, errInvalid, errDuplicate, errLimit} {
		if errors.Is(err, c) {
			return true
		}
	}
	return false
}

func TestErrorKinds(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       error
		at         string // the position the error must name
	}{
		{"syntax", "a: [1\n", errSyntax, "x.yaml:1:"},
		{"syntax in second doc", "kind: A\n---\nkind: B\n  c: d\n", errSyntax, "x.yaml:4:"},
		{"type", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostNetwork: 3\n", errInvalid, "x.yaml:5:16:"},
		{"duplicate", "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: a, labels: {b: c}}\n", errDuplicate, "x.yaml:5:1:"},
		{"unknown policy field", "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p}\nspec:\n  podSelecter: {}\n", errInvalid, "x.yaml:5:3:"},
		{"not a string", "apiVersion: v1\nkind: Namespace\nmetadata: {name: a, labels: {b: [c]}}\n", errInvalid, "x.yaml:3:"},
		{"bad UTF-8", "apiVersion: v1\nkind: Namespace\nmetadata: {name: a\xff}\n", errSyntax, "x.yaml:3:19: "},
		{"bad UTF-8 in second doc", "kind: A\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  labels: {a: \"\xc3\"}\n", errSyntax, "x.yaml:6:16: "},
		{"bad UTF-8 after good", "a: \"é\"\nb: \"é\xe9\"\n", errSyntax, "x.yaml:2:6: "},
		{"YAML 1.1 boolean as a name", "apiVersion: v1\nkind: Namespace\nmetadata: {name: no}\n", errInvalid, "x.yaml:3:18: Namespace no metadata.name: want string, found bool"},
		{"YAML 1.1 boolean as a label", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels: {app: web, canary: on}\n", errInvalid, "x.yaml:5:30: Pod default/p metadata.labels: want string, found bool"},
		{"unknown version", "apiVersion: networking.k8s.io/v2\nkind: NetworkPolicy\nmetadata: {name: p}\nspec: {podSelector: {}}\n", errInvalid,
			"x.yaml:1:1: NetworkPolicy p: netpolc reads NetworkPolicy only as networking.k8s.io/v1 or extensions/v1beta1, not networking.k8s.io/v2"},
		{"unknown core version", "apiVersion: v2\nkind: Pod\nmetadata: {name: p}\n", errInvalid, "x.yaml:1:1: Pod p: netpolc reads Pod only as v1, not v2"},
		{"bad float", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {priority: .inf}\n", errInvalid, "x.yaml:4:18:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("x.yaml", []byte(tt.yaml))
			if !errors.Is(err, tt.want) {
				t.Fatalf("error %v is not %v", err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), tt.at) {
				t.Errorf("error %q does not start with %q", err, tt.at)
			}
		})
	}
}

func TestLoadMissing(t *testing.T) {
	_, err := Load("testdata/nope", "testdata/valid/pod.json")
	if !errors.Is(err, errRead) || !strings.Contains(err.Error(), "testdata/nope") {
		t.Fatalf("error %v: want ErrRead naming the path", err)
	}
}

func TestDuplicateAcrossFiles(t *testing.T) {
	ns := []byte("apiVersion: v1\nkind: Namespace\nmetadata: {name: a, labels: {team: x}}\n")
	// The same object, dumped later: server fields and status differ.
	again := []byte("\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  labels: {team: x}\n" +
		"  resourceVersion: \"7\"\n  uid: u\n  annotations: {kubectl.kubernetes.io/last-applied-configuration: x}\n" +
		"status: {phase: Active}\n")
	s, err := ParseFiles(File{"one.yaml", ns}, File{"two.yaml", again})
	if err != nil {
		t.Fatal(err)
	}
	wantNote := "two.yaml:2:1: Namespace a is defined again, identically, at one.yaml:1:1: read once"
	if len(s.Inventory.Namespaces) != 1 || !slices.Contains(s.Notes, wantNote) {
		t.Fatalf("namespaces %v, notes %q: want one namespace and %q", s.Inventory.Namespaces, s.Notes, wantNote)
	}
	differs := []byte("apiVersion: v1\nkind: Namespace\nmetadata: {name: a, labels: {team: z}}\n")
	_, err = ParseFiles(File{"one.yaml", ns}, File{"two.yaml", append([]byte("\n"), differs...)})
	want := "two.yaml:2:1: Namespace a: defined twice, differently: here and at one.yaml:1:1; " +
		"metadata.labels.team: \"z\" here, \"x\" there\n    hint: remove one of them, or make them the same"
	if err == nil || err.Error() != want {
		t.Fatalf("error %v, want %s", err, want)
	}
}

func TestDeterministic(t *testing.T) {
	files, _ := filepath.Glob("testdata/valid/*.yaml")
	var in []File
	for _, f := range files {
		if strings.HasSuffix(f, "owned.yaml") { // defines what workloads.yaml does
			continue
		}
		data, _ := os.ReadFile(f)
		in = append(in, File{f, data})
	}
	a, err := ParseFiles(in...)
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(in)
	b, err := ParseFiles(in...)
	if err != nil {
		t.Fatal(err)
	}
	// Notes follow the input order; everything else is sorted.
	a.Notes, b.Notes = nil, nil
	if sa, sb := summary(a), summary(b); sa != sb {
		t.Errorf("order of files changes the result:\n%s\n---\n%s", sa, sb)
	}
}

func TestMergedIPs(t *testing.T) {
	data, _ := os.ReadFile("testdata/valid/owned.yaml")
	s, err := Parse("owned.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range s.Inventory.Endpoints {
		ids = append(ids, fmt.Sprintf("%s %v", e.ID(), e.IPs))
	}
	want := []string{"shop/backup [10.0.0.20]", "shop/web [10.0.0.11 10.0.0.12 fd00::11]"}
	if !slices.Equal(ids, want) {
		t.Errorf("endpoints %q, want %q", ids, want)
	}
	if got := s.Inventory.Namespace("shop"); got.Labels[inventory.MetadataNameLabel] != "shop" {
		t.Errorf("namespace shop not synthesised: %+v", got)
	}
}

func TestLineEndingsAndMarkers(t *testing.T) {
	tests := []struct{ name, yaml string }{
		{"crlf", "apiVersion: v1\r\nkind: Namespace\r\nmetadata: {name: a}\r\n---\r\napiVersion: v1\r\nkind: Namespace\r\nmetadata: {name: b}\r\n"},
		{"bom and end marker", "\ufeffapiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n...\n--- # b\napiVersion: v1\nkind: Namespace\nmetadata: {name: b}\n"},
		{"json list", `{"apiVersion": "v1", "kind": "List", "items": [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}}, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "b"}}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse("x.yaml", []byte(tt.yaml))
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, ns := range s.Inventory.Namespaces {
				names = append(names, ns.Name)
			}
			if !slices.Equal(names, []string{"a", "b"}) {
				t.Errorf("namespaces %q, want [a b]", names)
			}
		})
	}
}

// at renders a source position for the golden dumps ("<unknown>" when the
// object was synthesized rather than read).
func at(p diag.Pos) string {
	if p.File == "" {
		return "<unknown>"
	}
	return p.String()
}

// TestUTF16 checks text with a UTF-16 byte order mark is left to the YAML
// parser, which decodes it, and not taken for bad UTF-8.
func TestUTF16(t *testing.T) {
	text := "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n"
	data := []byte{0xff, 0xfe}
	for _, u := range utf16.Encode([]rune(text)) {
		data = append(data, byte(u), byte(u>>8))
	}
	s, err := Parse("x.yaml", data)
	if err != nil || len(s.Inventory.Namespaces) != 1 || s.Inventory.Namespaces[0].Name != "a" {
		t.Fatalf("UTF-16 text: %v", err)
	}
}

// TestYAML11Booleans checks unquoted YAML 1.1 booleans read as kubectl
// reads them: booleans where a boolean is wanted, an error with a hint to
// quote where a string is, "true" and "false" as keys.
func TestYAML11Booleans(t *testing.T) {
	_, err := Parse("x.yaml", []byte("apiVersion: v1\nkind: Namespace\nmetadata: {name: off}\n"))
	if err == nil || !strings.Contains(err.Error(), `hint: YAML 1.1, which kubectl reads, takes an unquoted off for a boolean; quote it ("off")`) {
		t.Errorf("error %v: want a hint to quote off", err)
	}
	pod := "apiVersion: v1\nkind: Pod\nmetadata: {name: 'no', labels: {a: \"yes\", b: !!str y, On: x}}\nspec: {hostNetwork: yes, containers: [{name: c, image: i, tty: Y}]}\n"
	s, err := Parse("x.yaml", []byte(pod))
	if err != nil {
		t.Fatal(err)
	}
	e := s.Inventory.Endpoints[0]
	if want := map[string]string{"a": "yes", "b": "y", "true": "x"}; e.Name != "no" || !maps.Equal(e.Labels, want) {
		t.Errorf("endpoint %s labels %v, want no %v", e.Name, e.Labels, want)
	}
}

// TestOldVersions checks the old versions of a kind that Kubernetes served
// are read, and a kind of another group skipped.
func TestOldVersions(t *testing.T) {
	var docs []string
	for i, v := range []string{"apps/v1", "apps/v1beta1", "apps/v1beta2", "extensions/v1beta1"} {
		docs = append(docs, fmt.Sprintf("apiVersion: %s\nkind: Deployment\nmetadata: {name: d%d}\n", v, i))
	}
	docs = append(docs, "apiVersion: batch/v1beta1\nkind: CronJob\nmetadata: {name: c}\n",
		"apiVersion: example.com/v1\nkind: Deployment\nmetadata: {name: other}\n")
	s, err := Parse("x.yaml", []byte(strings.Join(docs, "---\n")))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Inventory.Endpoints) != 5 || len(s.Notes) != 1 || !strings.Contains(s.Notes[0], "skipped Deployment other of apiVersion example.com/v1") {
		t.Errorf("endpoints %v, notes %q", s.Inventory.Endpoints, s.Notes)
	}
}

// TestLoadSymlinkedDirectory checks a directory given through a symbolic
// link is read like the directory.
func TestLoadSymlinkedDirectory(t *testing.T) {
	dir, err := filepath.Abs("testdata/dir")
	if err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(dir, link); err != nil {
		t.Skip(err)
	}
	want, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Load(link)
	if err != nil {
		t.Fatal(err)
	}
	if g, w := strings.ReplaceAll(summary(got), link, dir), summary(want); g != w || len(got.NetworkPolicies) == 0 {
		t.Errorf("through a link:\n%s\nwant\n%s", g, w)
	}
}

// TestHostNetwork: a pod sharing its node's network is marked, from a Pod
// and from a workload's template alike.
func TestHostNetwork(t *testing.T) {
	set, err := Parse("h.yaml", []byte(`apiVersion: v1
kind: Pod
metadata: {name: agent, namespace: kube-system}
spec: {hostNetwork: true, containers: [{name: c, image: i}]}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: exporter, namespace: monitoring}
spec:
  selector: {matchLabels: {app: exporter}}
  template:
    metadata: {labels: {app: exporter}}
    spec: {hostNetwork: true, containers: [{name: c, image: i}]}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop}
spec: {containers: [{name: c, image: i}]}
`))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, ep := range set.Inventory.Endpoints {
		got[ep.ID()] = ep.HostNetwork
	}
	want := map[string]bool{"kube-system/agent": true, "monitoring/exporter": true, "shop/web": false}
	if !maps.Equal(got, want) {
		t.Errorf("host network: got %v, want %v", got, want)
	}
}
