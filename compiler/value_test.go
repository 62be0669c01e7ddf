package compiler

import (
	"testing"

	"cuelang.org/go/cue/cuecontext"
)

// TestNodeReadsLikeTheAPI checks a node against what cue.Value reports:
// fields in CUE's order, a field looked up before the struct is read is
// the node the fields then hold, defaults are looked through, lists are
// counted from their elements, and an absent value reads as nothing.
func TestNodeReadsLikeTheAPI(t *testing.T) {
	v := cuecontext.New().CompileString(`
z: 1
a: {b: "x", c: [1, 2, 3], d: *"dflt" | "other"}
m: {f0: 0, f1: 1, f2: 2, f3: 3, f4: 4, f5: 5, f6: 6, f7: 7, f8: 8}
s: "str"
`)
	if err := v.Err(); err != nil {
		t.Fatal(err)
	}
	root := newNode(v)
	a := root.get("a")
	b := a.get("b") // before a's fields are read
	var names []string
	var kids []*node
	a.each(func(name string, f *node) {
		names = append(names, name)
		kids = append(kids, f)
	})
	if got := len(names); got != 3 || names[0] != "b" || names[1] != "c" || names[2] != "d" {
		t.Fatalf("fields of a = %v, want [b c d]", names)
	}
	if kids[0] != b || a.get("b") != b {
		t.Error("the field looked up first is not the node the fields hold")
	}
	if s, err := b.String(); err != nil || s != "x" {
		t.Errorf("a.b = %q, %v", s, err)
	}
	if n := a.get("c").length(); n != 3 || len(a.get("c").list()) != 3 {
		t.Errorf("len(a.c) = %d, want 3", n)
	}
	d, isDefault := a.get("d").Default()
	if s, _ := d.String(); !isDefault || s != "dflt" {
		t.Errorf("default of a.d = %q (%v), want \"dflt\"", s, isDefault)
	}
	if n := root.get("s").length(); n != 3 {
		t.Errorf("length of a string = %d, want 3 (as Value.Len)", n)
	}
	if root.get("s").list() != nil {
		t.Error("a string has elements")
	}
	m := root.get("m")
	for i, want := range []string{"f0", "f4", "f8"} {
		if n, err := m.get(want).Int64(); err != nil || n != int64(4*i) {
			t.Errorf("m.%s = %d, %v", want, n, err)
		}
	}
	m.each(func(string, *node) {})
	if n, _ := m.get("f8").Int64(); n != 8 || m.get("nope") != nil {
		t.Error("lookups in an indexed struct are wrong")
	}
	missing := root.get("nope")
	if missing.Exists() || missing.get("x") != nil || missing.list() != nil || missing.length() != 0 {
		t.Error("an absent value reads as something")
	}
	if _, err := missing.String(); err == nil {
		t.Error("an absent value has a string")
	}
	if _, err := missing.Bool(); err == nil {
		t.Error("an absent value has a boolean")
	}
	missing.each(func(string, *node) { t.Error("an absent value has fields") })
	if got := root.get("z").Path().String(); got != "z" {
		t.Errorf("path of z = %q", got)
	}
}
