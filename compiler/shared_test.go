package compiler_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/compiler"
	"github.com/netpolc/netpolc/intent"
	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/testkit/synth"
)

// sharedBase is a package large enough to be evaluated in parts (three),
// with a policy in the last part that names a workload of the first.
var sharedBase = append(synth.Intents(50, 25),
	`policies: "late": {namespace: "ns0049", workload: "w00", ingress: [{from: [{workload: "ns0000/w24"}], ports: ["TCP/9"]}]}`+"\n"...)

// latePort names a port no workload declares, in the last part.
const latePort = `policies: "late-port": {namespace: "ns0049", workload: "w01", egress: [{to: [{workload: "ns0000/w00"}], ports: ["grpc"]}]}` + "\n"

// TestSharedMatchesFresh loads and compiles a package, then a changed copy
// of it through the same intent.Shared and compiler.Shared (as verify
// does with the base and head of a change), and requires exactly the
// outcome of compiling the copy on its own: the same IR, origins,
// warnings and merged copies, or the same diagnostics. The changes touch
// what other parts read (a workload's labels another namespace's rule
// names, a port's protocol, a namespace other rules need, the cluster
// settings), shift positions, or change what the parts are evaluated in
// (the directory shown, the limits).
func TestSharedMatchesFresh(t *testing.T) {
	type change struct {
		name    string
		base    func([]byte) []byte // sharedBase when nil
		edit    func([]byte) []byte
		dir     string
		lim     func(*intent.Limits)
		reuse   bool   // some phase must be reused
		evalNew string // parts evaluated for the second load: "" unchecked, a number or "all"
		want    string // in the outcome
	}
	tail := "namespaces: ns0049: workloads: extra: ports: http: 8080\n"
	cases := []change{
		{name: "unchanged", edit: func(b []byte) []byte { return b }, reuse: true, evalNew: "0", want: `"Rules":[{`},
		{name: "a workload appended", edit: func(b []byte) []byte { return append(slicesClone(b), tail...) }, reuse: true, evalNew: "1", want: `"Name":"extra"`},
		{name: "labels of a workload another part names", reuse: true, want: `"app":"relabelled"`, edit: replace(
			"\tworkloads: w24: ports: {http: 8024, metrics: 9090}\n}\nuse: \"ns0000-deny\"",
			"\tworkloads: w24: {labels: app: \"relabelled\", ports: {http: 8024, metrics: 9090}}\n}\nuse: \"ns0000-deny\"")},
		{name: "a port another part names removed", reuse: true, want: `no workload declares a port named "grpc"`,
			base: func(b []byte) []byte { return withGRPC(append(slicesClone(b), latePort...)) },
			edit: func(b []byte) []byte { return append(slicesClone(b), latePort...) }},
		{name: "the protocol of a port the templates name", want: `metrics`, edit: replace(
			"namespaces: monitoring: workloads: prometheus: ports: web: 9090\n",
			"namespaces: monitoring: workloads: prometheus: ports: {web: 9090, metrics: {port: 9090, protocol: \"UDP\"}}\n")},
		{name: "a namespace other parts name removed", want: `is not declared`, edit: func(b []byte) []byte {
			i := bytes.Index(b, []byte("namespaces: \"ns0030\""))
			j := bytes.Index(b[i:], []byte("\n}\n"))
			return append(slicesClone(b[:i]), b[i+j+3:]...)
		}},
		{name: "a value edited in place", reuse: true, evalNew: "1", want: `"Port":18000`, edit: replace(
			"\tworkloads: w00: ports: {http: 8000, metrics: 9090}\n", "\tworkloads: w00: ports: {http: 18000, metrics: 9090}\n")},
		{name: "cluster settings", want: `"kube-dns"`, edit: func(b []byte) []byte {
			return append(slicesClone(b), "cluster: dns: {namespace: \"kube-system\", labels: {\"k8s-app\": \"kube-dns\"}}\n"...)
		}},
		{name: "a line inserted at the top", evalNew: "all", want: `"Rules":[{`, edit: func(b []byte) []byte {
			return append([]byte("// a comment\n"), b...)
		}},
		{name: "another directory", dir: "other", evalNew: "all", want: `other/a.cue`, edit: func(b []byte) []byte { return b }},
		{name: "other limits", lim: func(l *intent.Limits) { l.Rules-- }, evalNew: "all", want: `"Rules":[{`, edit: func(b []byte) []byte { return b }},
		{name: "an error in a shared part's neighbour", want: `not declared`, edit: replace(
			`policies: "ns0040-from-prev": {namespace: "ns0040", workload: "w00"`,
			`policies: "ns0040-from-prev": {namespace: "ns0040", workload: "nope"`)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir, lim := "intents", intent.DefaultLimits
			if tc.dir != "" {
				dir = tc.dir
			}
			if tc.lim != nil {
				tc.lim(&lim)
			}
			head := map[string][]byte{"a.cue": tc.edit(sharedBase)}
			fresh, err := intent.LoadFilesWith(dir, head, lim)
			want := outcomeOf(t, fresh, err, nil)
			if !strings.Contains(want, tc.want) {
				t.Fatalf("the change does not do what the case says: %q not in %.300s", tc.want, want)
			}
			parts := intent.NewShared()
			compiles := compiler.NewShared()
			baseSrc := sharedBase
			if tc.base != nil {
				baseSrc = tc.base(sharedBase)
			}
			base, err := parts.LoadFilesWith("intents", map[string][]byte{"a.cue": baseSrc}, intent.DefaultLimits)
			if err != nil {
				t.Fatal(err)
			}
			nparts := len(base.Parts())
			if nparts < 3 {
				t.Fatalf("the base is evaluated in %d parts, want several", nparts)
			}
			outcomeOf(t, base, nil, compiles)
			if parts.Evaluated() != nparts || compiles.Compiled() != 2*nparts || compiles.Reused() != 0 {
				t.Fatalf("the base alone: %d parts, %d evaluated, %d phases compiled, %d reused", nparts, parts.Evaluated(), compiles.Compiled(), compiles.Reused())
			}
			set, err := parts.LoadFilesWith(dir, head, lim)
			if got := outcomeOf(t, set, err, compiles); got != want {
				t.Errorf("shared:\n%.2000s\non its own:\n%.2000s", got, want)
			}
			evaluated := strconv.Itoa(parts.Evaluated() - nparts)
			if tc.evalNew == "all" && err == nil {
				tc.evalNew = strconv.Itoa(len(set.Parts()))
			}
			if tc.evalNew != "" && evaluated != tc.evalNew {
				t.Errorf("the second load evaluated %s parts, want %s", evaluated, tc.evalNew)
			}
			if tc.reuse && compiles.Reused() == 0 {
				t.Error("no compile phase was reused")
			}
			if tc.name == "unchanged" && (compiles.Compiled() != 2*nparts || compiles.Reused() != 2*nparts) {
				t.Errorf("identical parts: %d phases compiled, %d reused; want each compiled once", compiles.Compiled(), compiles.Reused())
			}
		})
	}
}

// outcomeOf compiles a loaded set (through sh when set) and renders the
// result or the diagnostics, the load's error included.
func outcomeOf(t *testing.T, set *intent.Set, err error, sh *compiler.Shared) string {
	t.Helper()
	if err != nil {
		return diag.Collect(err).Error()
	}
	var res *compiler.Result
	if sh != nil {
		res, err = compiler.CompileShared([]*intent.Set{set}, sh)
	} else {
		res, err = compiler.Compile(set)
	}
	if err != nil {
		return diag.Collect(err).Error()
	}
	data, jerr := json.Marshal([]any{res.Policy, res.Merged})
	if jerr != nil {
		t.Fatal(jerr)
	}
	return string(data) + "\n" + res.Warnings.Error()
}

// TestSharedKeepsNothingInCommon: what one compile reused is a copy, so
// changing it leaves the other compile's result alone.
func TestSharedKeepsNothingInCommon(t *testing.T) {
	parts, compiles := intent.NewShared(), compiler.NewShared()
	var results []*compiler.Result
	for range 2 {
		set, err := parts.LoadFilesWith("intents", map[string][]byte{"a.cue": sharedBase}, intent.DefaultLimits)
		if err != nil {
			t.Fatal(err)
		}
		res, err := compiler.CompileShared([]*intent.Set{set}, compiles)
		if err != nil {
			t.Fatal(err)
		}
		results = append(results, res)
	}
	if compiles.Reused() == 0 || !reflect.DeepEqual(results[0], results[1]) {
		t.Fatalf("the second compile reused %d phases; equal results: %t", compiles.Reused(), reflect.DeepEqual(results[0], results[1]))
	}
	a, b := results[0].Policy, results[1].Policy
	for k := range a.Rules[0].Subject.Pods.MatchLabels {
		a.Rules[0].Subject.Pods.MatchLabels[k] = "changed"
	}
	a.Rules[0].Ports[0].Number++
	a.Workloads[0].Labels["x"] = "y"
	if reflect.DeepEqual(a, b) {
		t.Error("the two results share memory")
	}
}

func replace(old, new string) func([]byte) []byte {
	return func(b []byte) []byte {
		if !bytes.Contains(b, []byte(old)) {
			panic("not in the generated intents: " + old)
		}
		return bytes.Replace(b, []byte(old), []byte(new), 1)
	}
}

// withGRPC declares the port latePort names, in the first part.
func withGRPC(b []byte) []byte {
	return replace("\tworkloads: w00: ports: {http: 8000, metrics: 9090}\n", "\tworkloads: w00: ports: {http: 8000, metrics: 9090, grpc: 9000}\n")(b)
}

func slicesClone(b []byte) []byte { return append([]byte(nil), b...) }
