package compiler

import (
	"errors"
	"strconv"

	"cuelang.org/go/cue"
)

// node is a CUE value the compiler reads, each of its structs and lists
// read at most once. Through CUE's API every Fields, List, Len and
// LookupPath call allocates an evaluator context (cue/types.go:
// Value.ctx), and Fields sorts the struct's fields topologically each
// time (Value.structValOpts, via export.VertexFeatures); looking up a
// struct's fields one by one and counting a list before iterating it
// cost as much as the evaluation at 5,000 workloads. A node reads a
// struct's fields in one Fields call and a list's elements in one List
// call, on first use, and keeps them; scalars are read from the value
// directly (String and Int64 make no context for a concrete value).
//
// The value itself is kept for positions and paths, which are asked only
// for origins and errors (see compiler.pos). A nil node is an absent
// value: every method works on it.
//
// Nodes are read lazily and are not safe for concurrent use: each set's
// tree is read by one goroutine at a time (see phase).
type node struct {
	// v is the value as reached; d is its default (v itself when it has
	// none), which every read looks through, as the API's own readers do.
	v, d cue.Value
	// def is the node of d when d is not v.
	def *node
	// names and kids are the regular fields, in CUE's order, once
	// fieldsRead; byName indexes a large struct.
	names      []string
	kids       []*node
	byName     map[string]*node
	fieldsRead bool
	// lookedUp and looks are the fields looked up by name before the
	// fields were read (nil for one that is absent).
	lookedUp []string
	looks    []*node
	// elems are a list's elements, once listRead; isList says that d
	// is a list.
	elems            []*node
	listRead, isList bool
	// jkind, when set, says that the node was read from JSON (expanded):
	// its kind, with its scalar's text in jtext and its fields and
	// elements read already. Its CUE value (v, d) is looked up from
	// parent's by sel only when asked (val), for positions and paths.
	jkind    cue.Kind
	jtext    string
	parent   *node
	sel      cue.Selector
	resolved bool
}

// newNode wraps a value.
func newNode(v cue.Value) *node {
	n := &node{v: v, d: v}
	n.d, _ = v.Default()
	return n
}

// val is the value as reached (the zero Value for an absent node).
func (n *node) val() cue.Value {
	if n == nil {
		return cue.Value{}
	}
	if n.jkind != 0 && !n.resolved {
		n.resolved = true
		n.parent.val()
		n.v = n.parent.d.LookupPath(cue.MakePath(n.sel))
		n.d, _ = n.v.Default()
	}
	return n.v
}

// Exists reports whether the value exists.
func (n *node) Exists() bool { return n != nil && (n.jkind != 0 || n.v.Exists()) }

// Default is the node of the value's default, or n when it has none, as
// cue.Value.Default. A node read from JSON is its default already.
func (n *node) Default() (*node, bool) {
	if n == nil || n.jkind != 0 || n.d == n.v {
		return n, false
	}
	if n.def == nil {
		n.def = newNode(n.d)
	}
	return n.def, true
}

// byNameMin is the size from which a struct's fields are indexed by a
// map; below it a scan is cheaper.
const byNameMin = 8

// readFields reads the struct's regular fields, once.
func (n *node) readFields() {
	if n.fieldsRead {
		return
	}
	n.fieldsRead = true
	it, err := n.d.Fields()
	if err != nil {
		return
	}
	for it.Next() {
		name := it.Selector().Unquoted()
		n.names = append(n.names, name)
		n.kids = append(n.kids, n.looked(name, it.Value()))
	}
	n.lookedUp, n.looks = nil, nil
	n.indexFields()
}

// indexFields indexes a large struct's fields by name, once they are read.
func (n *node) indexFields() {
	if len(n.names) >= byNameMin {
		n.byName = make(map[string]*node, len(n.names))
		for i, name := range n.names {
			n.byName[name] = n.kids[i]
		}
	}
}

// looked is the node of a field looked up already (what was read of it
// is kept), else a new one of v.
func (n *node) looked(name string, v cue.Value) *node {
	for i, f := range n.lookedUp {
		if f == name && n.looks[i] != nil {
			return n.looks[i]
		}
	}
	return newNode(v)
}

// get is the regular field name of a struct, or nil. Before the fields
// are read it looks the one field up (a context, no sort) and keeps it: a
// struct of which only some fields are named (a workload, a template
// instance) is never sorted.
func (n *node) get(name string) *node {
	if n == nil {
		return nil
	}
	if n.fieldsRead {
		if n.byName != nil {
			return n.byName[name]
		}
		for i, f := range n.names {
			if f == name {
				return n.kids[i]
			}
		}
		return nil
	}
	for i, f := range n.lookedUp {
		if f == name {
			return n.looks[i]
		}
	}
	var f *node
	if v := n.d.LookupPath(cue.MakePath(cue.Str(name))); v.Exists() {
		f = newNode(v)
	}
	n.lookedUp, n.looks = append(n.lookedUp, name), append(n.looks, f)
	return f
}

// each calls fn for every regular field of a struct, in order.
func (n *node) each(fn func(name string, f *node)) {
	if n == nil {
		return
	}
	n.readFields()
	for i, name := range n.names {
		fn(name, n.kids[i])
	}
}

// list is a list's elements (none when the value is not a list).
func (n *node) list() []*node {
	if n == nil {
		return nil
	}
	if !n.listRead {
		n.listRead = true
		it, err := n.d.List()
		if err == nil {
			n.isList = true
			for it.Next() {
				n.elems = append(n.elems, newNode(it.Value()))
			}
		}
	}
	return n.elems
}

// length is what Value.Len reports: the elements of a list, read once;
// for anything else (a malformed value) the API is asked.
func (n *node) length() int64 {
	if n == nil {
		return 0
	}
	if elems := n.list(); n.isList {
		return int64(len(elems))
	}
	n.val()
	l, _ := n.d.Len().Int64()
	return l
}

// IncompleteKind is the kinds the value may be (of the value as reached,
// as cue.Value.IncompleteKind; of its default when read from JSON).
func (n *node) IncompleteKind() cue.Kind {
	if n != nil && n.jkind != 0 {
		return n.jkind
	}
	return n.val().IncompleteKind()
}

// errAbsent is the error of reading an absent value.
var errAbsent = errors.New("no value")

// errNotJSONKind is the error of reading a value read from JSON as
// another kind (its CUE value gives the message: val).
var errNotJSONKind = errors.New("value of another kind")

// String is the value's concrete string (after its default).
func (n *node) String() (string, error) {
	if !n.Exists() {
		return "", errAbsent
	}
	if n.jkind != 0 {
		if n.jkind != cue.StringKind {
			return "", errNotJSONKind
		}
		return n.jtext, nil
	}
	return n.v.String()
}

// Int64 is the value's concrete integer (after its default).
func (n *node) Int64() (int64, error) {
	if !n.Exists() {
		return 0, errAbsent
	}
	if n.jkind != 0 {
		if n.jkind != cue.IntKind {
			return 0, errNotJSONKind
		}
		return strconv.ParseInt(n.jtext, 10, 64)
	}
	return n.v.Int64()
}

// Bool is the value's concrete boolean (after its default).
func (n *node) Bool() (bool, error) {
	if !n.Exists() {
		return false, errAbsent
	}
	if n.jkind != 0 {
		if n.jkind != cue.BoolKind {
			return false, errNotJSONKind
		}
		return n.jtext == "true", nil
	}
	return n.v.Bool()
}

// Path is the value's CUE path.
func (n *node) Path() cue.Path { return n.val().Path() }
