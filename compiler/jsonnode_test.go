package compiler

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"

	"github.com/netpolc/netpolc/intent"
	"github.com/netpolc/netpolc/internal/testkit/synth"
)

// TestExpandedReadsLikeTheAPI: every node read from JSON reports what the
// node read through the API reports (after defaults): kind, fields in
// order, elements, scalars, lengths, and the CUE value, path and position
// it stands for.
func TestExpandedReadsLikeTheAPI(t *testing.T) {
	v := cuecontext.New().CompileString(`
p: {
	z: 1
	a: {b: "x\u00e9\"\\\n", c: [1, -2, 3.5, 1e3], d: *"dflt" | "other", e: true, f: null}
	m: {f0: 0, f1: 1, f2: 2, f3: 3, f4: 4, f5: 5, f6: 6, f7: 7, f8: 8, "quoted-name": {}}
	l: [{x: 1}, [], [[]], {}, "s"]
	opt?: 1
	_hidden: 2
	#def: 3
	big: 123456789012345678901234567890
	k: *8080 | string
}
`)
	if err := v.Err(); err != nil {
		t.Fatal(err)
	}
	api := newNode(v).get("p")
	j := api.expanded()
	if j == api || j.jkind != cue.StructKind {
		t.Fatal("the value was not read from JSON")
	}
	compareNodes(t, "p", api, j)
}

// compareNodes compares a node read through the API (after its default)
// with the one read from JSON, recursively.
func compareNodes(t *testing.T, at string, api, j *node) {
	t.Helper()
	api, _ = api.Default()
	kind := api.d.IncompleteKind()
	if j.IncompleteKind() != kind {
		t.Errorf("%s: kind %v from JSON, %v through the API", at, j.IncompleteKind(), kind)
		return
	}
	if got, want := j.Path().String(), api.Path().String(); got != want {
		t.Errorf("%s: path %q from JSON, %q through the API", at, got, want)
	}
	if got, want := j.val().Pos(), api.val().Pos(); got != want {
		t.Errorf("%s: position %v from JSON, %v through the API", at, got, want)
	}
	if got, want := j.length(), api.length(); got != want {
		t.Errorf("%s: length %d from JSON, %d through the API", at, got, want)
	}
	s1, e1 := j.String()
	s2, e2 := api.String()
	i1, f1 := j.Int64()
	i2, f2 := api.Int64()
	b1, g1 := j.Bool()
	b2, g2 := api.Bool()
	if s1 != s2 || (e1 == nil) != (e2 == nil) || i1 != i2 || (f1 == nil) != (f2 == nil) || b1 != b2 || (g1 == nil) != (g2 == nil) {
		t.Errorf("%s: scalars from JSON (%q %v, %d %v, %v %v) differ from the API's (%q %v, %d %v, %v %v)",
			at, s1, e1, i1, f1, b1, g1, s2, e2, i2, f2, b2, g2)
	}
	var names []string
	api.each(func(name string, _ *node) { names = append(names, name) })
	var jnames []string
	j.each(func(name string, _ *node) { jnames = append(jnames, name) })
	if !reflect.DeepEqual(names, jnames) {
		t.Errorf("%s: fields %q from JSON, %q through the API", at, jnames, names)
		return
	}
	for _, name := range names {
		if j.get(name) == nil {
			t.Errorf("%s: field %s not found by name", at, name)
			continue
		}
		compareNodes(t, at+"."+name, api.get(name), j.get(name))
	}
	if j.get("absent") != nil {
		t.Errorf("%s: an absent field was found", at)
	}
	el, jel := api.list(), j.list()
	if len(el) != len(jel) {
		t.Errorf("%s: %d elements from JSON, %d through the API", at, len(jel), len(el))
		return
	}
	for i := range el {
		compareNodes(t, fmt.Sprintf("%s[%d]", at, i), el[i], jel[i])
	}
}

// TestTemplateOutputFromJSONCompilesAlike: every example, a generated
// set and template output with errors compile to the same result, and
// the same diagnostics, whether template output is read from its JSON or
// through the API.
func TestTemplateOutputFromJSONCompilesAlike(t *testing.T) {
	dirs, err := filepath.Glob("../examples/*")
	if err != nil {
		t.Fatal(err)
	}
	synthDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(synthDir, "synth.cue"), synth.Intents(6, 5), 0o644); err != nil {
		t.Fatal(err)
	}
	bad := t.TempDir()
	const badSrc = `package a

namespaces: shop: workloads: {web: ports: http: 8080, db: ports: sql: 5432}
#T: {
	policies: p: {namespace: "shop", ingres: []}
	policies: q: {namespace: "shop", workload: "db", ingress: [{from: [{workload: "web", namespce: "x"}], ports: [{port: 5432, protocol: "TCP", endPort: 5400}, 1.5, "nope-"]}]}
	policies: r: {namespace: "shop", workload: "dbx", egress: [{to: {workload: "web"}}]}
	policies: s: {namespace: "shop", podSelector: {matchLabels: {"a b": "c"}}, ingress: [{from: [], ports: []}]}
}
use: t: #T
`
	if err := os.WriteFile(filepath.Join(bad, "a.cue"), []byte(badSrc), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, dir := range append(dirs, synthDir, bad) {
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			continue
		}
		t.Run(filepath.Base(dir), func(t *testing.T) {
			viaAPI, apiErr := compileDir(t, dir, false)
			fromJSON, jsonErr := compileDir(t, dir, true)
			if fmt.Sprint(apiErr) != fmt.Sprint(jsonErr) {
				t.Fatalf("diagnostics differ:\nfrom JSON:\n%v\nthrough the API:\n%v", jsonErr, apiErr)
			}
			if !reflect.DeepEqual(viaAPI, fromJSON) {
				t.Errorf("results differ:\nfrom JSON: %+v\nthrough the API: %+v", fromJSON, viaAPI)
			}
			if dir == bad && apiErr == nil {
				t.Error("the template output with errors compiled")
			}
		})
	}
}

// compileDir loads and compiles dir, reading template output from JSON
// or through the API.
func compileDir(t *testing.T, dir string, expand bool) (*Result, error) {
	t.Helper()
	defer func(old bool) { expandTemplateOutput = old }(expandTemplateOutput)
	expandTemplateOutput = expand
	set, err := intent.Load(dir)
	if err != nil {
		t.Skipf("%s does not load: %v", dir, err)
	}
	return Compile(set)
}

// FuzzJSONNode: what the parser accepts, encoding/json accepts too and
// reads as the same values, in the same order.
func FuzzJSONNode(f *testing.F) {
	for _, s := range []string{`{"a":1,"b":[true,false,null,"x\n",-1.5e3]}`, `[]`, `{}`, `"\u00e9"`, `[{"":{}}]`, `12345678901234567890`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p := jsonParser{data: data}
		n, err := p.value(nil, cue.Selector{})
		if err != nil || p.skipSpace() != len(data) {
			return // refused: the compiler reads the value through the API
		}
		if !json.Valid(data) {
			t.Fatalf("accepted invalid JSON %q", data)
		}
		var want any
		d := json.NewDecoder(bytes.NewReader(data))
		d.UseNumber()
		if err := d.Decode(&want); err != nil {
			t.Fatal(err)
		}
		got, dup := plain(n)
		if dup {
			return // a duplicate key (CUE writes none): encoding/json keeps the last
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q read as %#v, encoding/json reads %#v", data, got, want)
		}
		if n.jkind == cue.IntKind && strings.ContainsAny(n.jtext, ".eE") {
			t.Fatalf("%q read as an int", data)
		}
	})
}

// plain is n as encoding/json decodes JSON with UseNumber; dup says that
// an object had a key twice.
func plain(n *node) (v any, dup bool) {
	switch n.jkind {
	case cue.StructKind:
		m := map[string]any{}
		for i, name := range n.names {
			if _, ok := m[name]; ok {
				dup = true
			}
			var d bool
			m[name], d = plain(n.kids[i])
			dup = dup || d
		}
		return m, dup
	case cue.ListKind:
		l := []any{}
		for _, e := range n.elems {
			x, d := plain(e)
			l = append(l, x)
			dup = dup || d
		}
		return l, dup
	case cue.StringKind:
		return n.jtext, false
	case cue.IntKind, cue.FloatKind:
		return json.Number(n.jtext), false
	case cue.BoolKind:
		return n.jtext == "true", false
	}
	return nil, false
}
