package manifests

import (
	"encoding"
	"encoding/json"
	"reflect"
	"strings"
	"sync"
)

// keep names the fields of a value the node decoder stores; the others
// are checked against their types and dropped. A nil *keep keeps nothing;
// keepAll keeps everything below it.
type keep struct {
	all    bool
	fields map[string]*keep
}

var keepAll = &keep{all: true}

// field is what k keeps of its field key.
func (k *keep) field(key string) *keep {
	switch {
	case k == nil:
		return nil
	case k.all:
		return k
	}
	return k.fields[key]
}

// keepPaths keeps the fields at paths ("spec.template.metadata.labels")
// and everything below them.
func keepPaths(paths ...string) *keep {
	root := &keep{fields: map[string]*keep{}}
	for _, p := range paths {
		k := root
		names := strings.Split(p, ".")
		for i, name := range names {
			if i == len(names)-1 {
				k.fields[name] = keepAll
				break
			}
			next := k.fields[name]
			if next == nil {
				next = &keep{fields: map[string]*keep{}}
				k.fields[name] = next
			}
			k = next
		}
	}
	return root
}

// structField is a field of a struct as encoding/json finds it by its
// JSON name.
type structField struct {
	index []int
	typ   reflect.Type
	// embedded are the Go names of the embedded structs the field is
	// promoted through, which encoding/json puts in an error's path.
	embedded []string
}

var fieldCache sync.Map // reflect.Type → map[string]structField

// fieldsOf lists the fields of struct type t by JSON name, as
// encoding/json's typeFields does for the types netpolc reads: exported
// fields named by their tag or Go name, "-" left out, the fields of an
// embedded struct without a tag name promoted, a shallower field hiding a
// deeper one of its name, and of two at one depth the tagged one (neither
// when both or none are tagged).
func fieldsOf(t reflect.Type) map[string]structField {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string]structField)
	}
	type cand struct {
		f      structField
		depth  int
		tagged bool
		count  int
	}
	best := map[string]*cand{}
	var walk func(t reflect.Type, index []int, embedded []string, depth int)
	walk = func(t reflect.Type, index []int, embedded []string, depth int) {
		for i := 0; i < t.NumField(); i++ {
			sf := t.Field(i)
			tag := sf.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, _, _ := strings.Cut(tag, ",")
			idx := append(index[:len(index):len(index)], i)
			if sf.Anonymous && name == "" && sf.Type.Kind() == reflect.Struct {
				walk(sf.Type, idx, append(embedded[:len(embedded):len(embedded)], sf.Name), depth+1)
				continue
			}
			if !sf.IsExported() {
				continue
			}
			tagged := name != ""
			if !tagged {
				name = sf.Name
			}
			c := best[name]
			switch {
			case c == nil || depth < c.depth:
				best[name] = &cand{structField{idx, sf.Type, embedded}, depth, tagged, 1}
			case depth == c.depth && tagged && !c.tagged:
				*c = cand{structField{idx, sf.Type, embedded}, depth, tagged, 1}
			case depth == c.depth && tagged == c.tagged:
				c.count++
			}
		}
	}
	walk(t, nil, nil, 0)
	m := map[string]structField{}
	for name, c := range best {
		if c.count == 1 {
			m[name] = c.f
		}
	}
	fieldCache.Store(t, m)
	return m
}

var (
	unmarshalerType     = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
	numberType          = reflect.TypeFor[json.Number]()
)

var unmarshalerCache sync.Map // reflect.Type → bool

// hasUnmarshaler tells whether values of t decode with their own
// UnmarshalJSON (resource.Quantity, metav1.Time, intstr.IntOrString,
// json.RawMessage...).
func hasUnmarshaler(t reflect.Type) bool {
	if v, ok := unmarshalerCache.Load(t); ok {
		return v.(bool)
	}
	u := t.Implements(unmarshalerType) || reflect.PointerTo(t).Implements(unmarshalerType)
	unmarshalerCache.Store(t, u)
	return u
}

var delegatedCache sync.Map // reflect.Type → bool

// delegated tells whether t is one the node decoder leaves to
// sigs.k8s.io/json (given the node as JSON): text unmarshalers,
// interfaces, arrays, byte slices (base64), maps not keyed by plain
// strings, json.Number and structs with a ",string" field. None of the
// kinds netpolc reads has one; they are read as the JSON decode reads
// them all the same.
func delegated(t reflect.Type) bool {
	if v, ok := delegatedCache.Load(t); ok {
		return v.(bool)
	}
	d := t == numberType || t.Implements(textUnmarshalerType) || reflect.PointerTo(t).Implements(textUnmarshalerType)
	switch t.Kind() {
	case reflect.Interface, reflect.Array, reflect.Complex64, reflect.Complex128, reflect.Chan, reflect.Func, reflect.UnsafePointer:
		d = true
	case reflect.Slice:
		d = d || t.Elem().Kind() == reflect.Uint8
	case reflect.Map:
		k := t.Key()
		d = d || k.Kind() != reflect.String || reflect.PointerTo(k).Implements(textUnmarshalerType)
	case reflect.Struct:
		for i := 0; i < t.NumField(); i++ {
			d = d || strings.Contains(t.Field(i).Tag.Get("json"), ",string")
		}
	}
	delegatedCache.Store(t, d)
	return d
}
