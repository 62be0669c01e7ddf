package cli

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// base is a valid intents file the bad-input cases modify.
const base = `package t

namespaces: shop: {
	labels: team: "shop"
	workloads: web: ports: http: 8080
	workloads: db: ports: postgres: 5432
}
`

// TestBadInput runs each bad input through `netpolc build` and checks the
// contract: exit code 2, a message with file:line:col and a hint, and
// nothing written.
// badInputCases are TestBadInput's cases.
var badInputCases = []struct {
	name  string
	files map[string]string // relative to the intents dir; nil: dir missing
	out   string            // "": a fresh OUT; "file": OUT is a file; "under-file": OUT's parent is a file
	want  []string          // regexps that must all match stderr
}{
	{name: "unknown field", files: map[string]string{"a.cue": base + "namespaces: shop: lables: {}\n"},
		want: []string{`a\.cue:8:19: .*lables.*not allowed`, `hint: unknown field`}},
	{name: "wrong type", files: map[string]string{"a.cue": base + "namespaces: shop: workloads: api: ports: http: true\n"},
		want: []string{`a\.cue:8:\d+: .*ports\.http`, `hint:`}},
	{name: "container port protocol", files: map[string]string{"a.cue": base + "namespaces: shop: workloads: api: ports: dns: {port: 53, protocol: \"ICMP\"}\n"},
		want: []string{`a\.cue:8:\d+: .*ports\.dns\.protocol: container port "dns": protocol "ICMP" is not TCP, UDP or SCTP`, `hint: a container port is a number`}},
	{name: "container port field", files: map[string]string{"a.cue": base + "namespaces: shop: workloads: api: ports: dns: {port: 53, proto: \"UDP\"}\n"},
		want: []string{`a\.cue:8:\d+: .*ports\.dns\.proto: field "proto" not allowed in container port "dns"`, `hint: a container port is a number`}},
	{name: "port protocol", files: map[string]string{"a.cue": base + policy(`ingress: [{from: [{all: true}], ports: [{port: 80, protocol: "ICMP"}]}]`)},
		want: []string{`a\.cue:8:\d+: .*ports\[0\]: protocol "ICMP" is not TCP, UDP or SCTP`, `hint: ports are 8080`}},
	{name: "port field", files: map[string]string{"a.cue": base + policy(`ingress: [{from: [{all: true}], ports: [{port: 80, proto: "TCP"}]}]`)},
		want: []string{`a\.cue:8:\d+: .*ports\[0\]\.proto: field "proto" not allowed in a port`, `hint: ports are 8080`}},
	{name: "port endPort", files: map[string]string{"a.cue": base + policy(`ingress: [{from: [{all: true}], ports: [{port: 80, endPort: "90"}]}]`)},
		want: []string{`a\.cue:8:\d+: .*ports\[0\]: endPort "90" is not a number`, `hint: ports are 8080`}},
	{name: "invalid label value", files: map[string]string{"a.cue": strings.Replace(base, `team: "shop"`, `team: "-shop-"`, 1)},
		want: []string{`a\.cue:4:16: .*invalid label value "-shop-"`, `hint: label values`}},
	{name: "invalid CIDR", files: map[string]string{"a.cue": base + policy(`egress: [{to: [{cidr: "10.0.0.300/8"}]}]`)},
		want: []string{`a\.cue:8:\d+: .*invalid CIDR "10\.0\.0\.300/8"`, `hint: write an address block`}},
	{name: "host bits", files: map[string]string{"a.cue": base + policy(`egress: [{to: [{cidr: "10.1.0.0/8"}]}]`)},
		want: []string{`a\.cue:8:\d+: .*host bits set`, `hint: did you mean 10\.0\.0\.0/8`}},
	{name: "except outside CIDR", files: map[string]string{"a.cue": base + policy(`egress: [{to: [{cidr: "10.0.0.0/16", except: ["10.1.0.0/24"]}]}]`)},
		want: []string{`a\.cue:8:\d+: .*except 10\.1\.0\.0/24 is not inside cidr 10\.0\.0\.0/16`, `hint: each except`}},
	{name: "port 0", files: map[string]string{"a.cue": base + policy(`ingress: [{from: [{all: true}], ports: [0]}]`)},
		want: []string{`a\.cue:8:\d+: .*port 0 is out of range`, `hint: ports are`}},
	{name: "port 70000", files: map[string]string{"a.cue": base + policy(`ingress: [{from: [{all: true}], ports: ["TCP/70000"]}]`)},
		want: []string{`a\.cue:8:\d+: .*port 70000 is out of range`}},
	{name: "endPort below port", files: map[string]string{"a.cue": base + policy(`ingress: [{from: [{all: true}], ports: [{port: 9000, endPort: 8000}]}]`)},
		want: []string{`a\.cue:8:\d+: .*endPort 8000 is below port 9000`}},
	{name: "undeclared named port", files: map[string]string{"a.cue": base + policy(`ingress: [{from: [{all: true}], ports: ["grpc"]}]`)},
		want: []string{`a\.cue:8:\d+: .*no workload declares a port named "grpc"`}},
	{name: "named port on the wrong workload", files: map[string]string{"a.cue": base + policy(`ingress: [{from: [{all: true}], ports: ["postgres"]}]`)},
		want: []string{`a\.cue:8:\d+: .*workload shop/web has no TCP port named "postgres"`, `hint: declare it`}},
	{name: "duplicate workload", files: map[string]string{"a.cue": base + "namespaces: shop: workloads: web2: labels: app: \"web\"\n"},
		want: []string{`a\.cue:8:\d+: .*workload web2 has the same labels \{app: web\} as workload web`}},
	{name: "undefined workload peer", files: map[string]string{"a.cue": base + policy(`ingress: [{from: [{workload: "wbe"}]}]`)},
		want: []string{`a\.cue:8:\d+: .*peer names workload "wbe", which is not declared`, `hint: declared workloads in shop: db, web`}},
	{name: "undeclared namespace", files: map[string]string{"a.cue": base + "policies: p: {namespace: \"shpo\", ingress: []}\n"},
		want: []string{`a\.cue:8:\d+: .*namespace "shpo" is not declared`}},
	{name: "ambiguous empty from", files: map[string]string{"a.cue": base + policy(`ingress: [{from: []}]`)},
		want: []string{`a\.cue:8:\d+: .*empty .from. list is ambiguous`, `hint: write \[\{all: true\}\]`}},
	{name: "two peer kinds", files: map[string]string{"a.cue": base + policy(`ingress: [{from: [{workload: "db", cidr: "10.0.0.0/8"}]}]`)},
		want: []string{`a\.cue:8:\d+: .*a peer sets workload and cidr`}},
	{name: "unknown field in a template's output", files: map[string]string{"a.cue": base + "#T: policies: p: {namespace: \"shop\", ingres: []}\nuse: t: #T\n"},
		want: []string{`a\.cue:9:6: .*field "ingres" not allowed in the template's output`, `hint: allowed fields here: egress, ingress, namespace, podSelector, workload`}},
	{name: "unknown peer field in a template's output", files: map[string]string{"a.cue": base + "#T: policies: p: {namespace: \"shop\", workload: \"db\", ingress: [{from: [{workload: \"web\", namespce: \"x\"}]}]}\nuse: t: #T\n"},
		want: []string{`a\.cue:9:6: .*field "namespce" not allowed`}},
	{name: "wrong kind in a template's output", files: map[string]string{"a.cue": base + "#T: policies: p: {namespace: \"shop\", workload: \"db\", ingress: [{from: {workload: \"web\"}}]}\nuse: t: #T\n"},
		want: []string{`a\.cue:9:6: .*.from. must be a list of peers`}},
	{name: "syntax error", files: map[string]string{"a.cue": base + "policies: {\n"},
		want: []string{`a\.cue:\d+:\d+: .*`}},
	{name: "empty dir", files: map[string]string{},
		want: []string{`no \.cue files found`, `hint: intents are CUE files`}},
	{name: "missing dir", files: nil,
		want: []string{`intents directory does not exist`, `hint: pass the directory`}},
	{name: "non-CUE files only", files: map[string]string{"policy.yaml": "kind: NetworkPolicy\n"},
		want: []string{`no \.cue files found`}},
	{name: "OUT is a file", files: map[string]string{"a.cue": base}, out: "file",
		want: []string{`out`}},
	{name: "OUT under a file", files: map[string]string{"a.cue": base}, out: "under-file",
		want: []string{`blocker`}},
}

func TestBadInput(t *testing.T) {
	for _, tc := range badInputCases {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			t.Chdir(root) // the output must lie in the current work tree, if any
			dir := filepath.Join(root, "intents")
			if tc.files != nil {
				writeFiles(t, dir, tc.files)
			}
			out := filepath.Join(root, "out")
			switch tc.out {
			case "file":
				writeFiles(t, root, map[string]string{"out": "not a dir\n"})
			case "under-file":
				writeFiles(t, root, map[string]string{"blocker": "x\n"})
				out = filepath.Join(root, "blocker", "out")
			}
			before := snapshot(t, root)
			var stdout, stderr bytes.Buffer
			code := Main([]string{"build", dir, "-o", out}, &stdout, &stderr)
			if code != exitInvalid {
				t.Fatalf("exit code %d, want %d; stderr:\n%s", code, exitInvalid, stderr.String())
			}
			for _, re := range tc.want {
				if !regexp.MustCompile(re).MatchString(stderr.String()) {
					t.Errorf("stderr does not match %q:\n%s", re, stderr.String())
				}
			}
			if after := snapshot(t, root); after != before {
				t.Errorf("files changed on a failed build:\nbefore:\n%s\nafter:\n%s", before, after)
			}
		})
	}
}

// policy wraps rules in a policy on shop/web, on line 8 of the file.
func policy(rules string) string {
	return "policies: p: {namespace: \"shop\", workload: \"web\", " + rules + "}\n"
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// snapshot lists every path under root with its size, to detect writes.
func snapshot(t *testing.T, root string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		b.WriteString(rel)
		if !info.IsDir() {
			fmt.Fprintf(&b, " %d", info.Size())
		}
		b.WriteString("\n")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}
