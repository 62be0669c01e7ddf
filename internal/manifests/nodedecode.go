package manifests

import (
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
	sigsjson "sigs.k8s.io/json"
)

// nodeDecoder decodes an object's node tree, which converted (see
// jsonWriter), into a Go value, with the rules sigs.k8s.io/json's
// UnmarshalStrict (case-sensitive field names, unknown fields collected)
// applies to the object's JSON — as the API server reads it — without
// writing the JSON: encoding/json's decode.go (literalStore, object,
// array; the copy in sigs.k8s.io/json internal/golang/encoding/json) is
// what it follows. Every field is checked against its type; only the
// fields keep names are stored, so a Deployment costs what its template's
// labels and ports cost, not what its every field would.
//
// The errors are those of the JSON decode: the first type mismatch
// ("want int32, found string"), its field path as encoding/json names it
// (struct fields and embedded structs, no indices, no map keys), at the
// node itself; an error of a custom JSON unmarshaler (a Quantity, a Time,
// an IntOrString), which ends the decode; and the unknown fields, with
// the path sigs.k8s.io/json gives them (indices and map keys included).
type nodeDecoder struct {
	x *expander
	// typeErr is the first type mismatch and its node; fatal an error
	// that ended the decode (a custom unmarshaler's) and its node.
	typeErr   *jsonTypeError
	typeNode  *yaml.Node
	fatal     error
	fatalNode *yaml.Node
	unknown   []unknownField
	seen      map[string]bool // unknown paths, as sigs.k8s.io/json dedupes them
	errStack  []string        // encoding/json's error context
	path      []string        // sigs.k8s.io/json's strict field path
}

// unknownField is a key no field of its struct has.
type unknownField struct {
	Path string
	Key  *yaml.Node
}

// maxUnknown is how many unknown fields sigs.k8s.io/json reports at most.
const maxUnknown = 100

// decodeNode decodes n into *v (a pointer), storing only what k keeps.
func (x *expander) decodeNode(n *yaml.Node, v any, k *keep) *nodeDecoder {
	d := &nodeDecoder{x: x}
	rv := reflect.ValueOf(v).Elem()
	d.value(n, rv.Type(), rv, k)
	return d
}

// value decodes n into v of type t; v is invalid when nothing is stored
// (the value is only checked).
func (d *nodeDecoder) value(n *yaml.Node, t reflect.Type, v reflect.Value, k *keep) {
	if d.fatal != nil {
		return
	}
	n = resolve(n)
	isNull := n.Kind == yaml.ScalarNode && isNullLiteral(n)
	for t.Kind() == reflect.Pointer {
		if hasUnmarshaler(t) {
			break
		}
		if isNull {
			if v.IsValid() {
				v.SetZero()
			}
			return
		}
		if v.IsValid() {
			if v.IsNil() {
				v.Set(reflect.New(t.Elem()))
			}
			v = v.Elem()
		}
		t = t.Elem()
	}
	if hasUnmarshaler(t) || delegated(t) {
		d.unmarshaler(n, t, v, isNull)
		return
	}
	switch n.Kind {
	case yaml.MappingNode:
		d.object(n, t, v, k)
	case yaml.SequenceNode:
		d.array(n, t, v, k)
	default:
		d.literal(n, t, v)
	}
}

// isNullLiteral tells whether scalar n is JSON's null.
func isNullLiteral(n *yaml.Node) bool {
	if _, ok := yaml11Bool(n); ok {
		return false
	}
	return n.ShortTag() == "!!null"
}

func (d *nodeDecoder) mismatch(n *yaml.Node, value string, t reflect.Type) {
	if d.typeErr != nil {
		return
	}
	d.typeErr = &jsonTypeError{Value: value, Type: t, Field: strings.Join(d.errStack, ".")}
	d.typeNode = n
}

// unmarshaler hands n, as JSON, to the type's own UnmarshalJSON (or, for a
// type the node decoder does not know, to sigs.k8s.io/json), as the JSON
// decode does: a pointer to such a type is nil for null, and allocated
// otherwise; a value gets the null.
func (d *nodeDecoder) unmarshaler(n *yaml.Node, t reflect.Type, v reflect.Value, isNull bool) {
	if t.Kind() == reflect.Pointer && isNull {
		if v.IsValid() {
			v.SetZero()
		}
		return
	}
	data, err := d.x.renderJSON(n)
	if err == nil {
		if !v.IsValid() {
			v = reflect.New(t).Elem()
		}
		if t.Kind() == reflect.Pointer && v.IsNil() {
			v.Set(reflect.New(t.Elem()))
		}
		err = callUnmarshal(v, data)
	}
	if err == nil {
		return
	}
	var te *jsonTypeError
	if errors.As(err, &te) {
		stack := d.errStack
		if te.Field != "" {
			stack = append(stack[:len(stack):len(stack)], te.Field)
		}
		te.Field = strings.Join(stack, ".")
	}
	d.fatal, d.fatalNode = err, n
}

// callUnmarshal decodes data into v (addressable) with v's UnmarshalJSON,
// or with sigs.k8s.io/json for the types delegated to it.
func callUnmarshal(v reflect.Value, data []byte) error {
	if v.Kind() != reflect.Pointer {
		v = v.Addr()
	}
	if u, ok := v.Interface().(json.Unmarshaler); ok {
		return u.UnmarshalJSON(data)
	}
	_, err := sigsjson.UnmarshalStrict(data, v.Interface())
	return err
}

func (d *nodeDecoder) object(n *yaml.Node, t reflect.Type, v reflect.Value, k *keep) {
	switch {
	case t.Kind() == reflect.Struct:
		d.structFields(n, t, v, k)
	case t.Kind() == reflect.Map && t.Key().Kind() == reflect.String:
		d.mapEntries(n, t, v, k)
	default:
		d.mismatch(n, "object", t)
	}
}

func (d *nodeDecoder) structFields(n *yaml.Node, t reflect.Type, v reflect.Value, k *keep) {
	fields, _ := d.x.mappingFields(n, 0) // cached: n converted
	info := fieldsOf(t)
	for _, f := range fields {
		sf, ok := info[f.Key]
		if !ok {
			d.unknownKey(f)
			continue
		}
		sub := k.field(f.Key)
		var subv reflect.Value
		if v.IsValid() && sub != nil {
			subv = v.FieldByIndex(sf.index)
		}
		stack, path := len(d.errStack), len(d.path)
		d.errStack = append(d.errStack, sf.embedded...)
		d.errStack = append(d.errStack, f.Key)
		d.pushKey(f.Key)
		d.value(f.Value, sf.typ, subv, sub)
		d.errStack, d.path = d.errStack[:stack], d.path[:path]
		if d.fatal != nil {
			return
		}
	}
}

func (d *nodeDecoder) unknownKey(f field) {
	p := f.Key
	if len(d.path) > 0 {
		p = strings.Join(d.path, "") + "." + f.Key
	}
	if len(d.unknown) >= maxUnknown || d.seen[p] {
		return
	}
	if d.seen == nil {
		d.seen = map[string]bool{}
	}
	d.seen[p] = true
	d.unknown = append(d.unknown, unknownField{p, f.KeyN})
}

func (d *nodeDecoder) pushKey(key string) {
	if len(d.path) > 0 {
		d.path = append(d.path, ".")
	}
	d.path = append(d.path, key)
}

func (d *nodeDecoder) mapEntries(n *yaml.Node, t reflect.Type, v reflect.Value, k *keep) {
	fields, _ := d.x.mappingFields(n, 0)
	if v.IsValid() && v.IsNil() {
		v.Set(reflect.MakeMapWithSize(t, len(fields)))
	}
	et := t.Elem()
	for _, f := range fields {
		var elem reflect.Value
		if v.IsValid() {
			elem = reflect.New(et).Elem()
		}
		path := len(d.path)
		d.pushKey(f.Key)
		d.value(f.Value, et, elem, k)
		d.path = d.path[:path]
		if d.fatal != nil {
			return
		}
		if v.IsValid() {
			v.SetMapIndex(reflect.ValueOf(f.Key).Convert(t.Key()), elem)
		}
	}
}

func (d *nodeDecoder) array(n *yaml.Node, t reflect.Type, v reflect.Value, k *keep) {
	if t.Kind() != reflect.Slice {
		d.mismatch(n, "array", t)
		return
	}
	if v.IsValid() {
		v.Set(reflect.MakeSlice(t, len(n.Content), len(n.Content)))
	}
	for i, c := range n.Content {
		var elem reflect.Value
		if v.IsValid() {
			elem = v.Index(i)
		}
		path := len(d.path)
		d.path = append(d.path, "[", strconv.Itoa(i), "]")
		d.value(c, t.Elem(), elem, k)
		d.path = d.path[:path]
		if d.fatal != nil {
			return
		}
	}
}

// literal stores scalar n as the JSON decode stores its literal.
func (d *nodeDecoder) literal(n *yaml.Node, t reflect.Type, v reflect.Value) {
	kind, s, err := scalarJSON(n)
	if err != nil { // not after a conversion: fail closed anyway
		d.fatal, d.fatalNode = err, n
		return
	}
	switch kind {
	case litNull: // ignored for everything but pointers, maps, slices
		if v.IsValid() && (t.Kind() == reflect.Map || t.Kind() == reflect.Slice) {
			v.SetZero()
		}
	case litBool:
		if t.Kind() != reflect.Bool {
			d.mismatch(n, "bool", t)
		} else if v.IsValid() {
			v.SetBool(s == "true")
		}
	case litString:
		if t.Kind() != reflect.String {
			d.mismatch(n, "string", t)
		} else if v.IsValid() {
			v.SetString(s)
		}
	case litNumber:
		d.number(n, s, t, v)
	}
}

func (d *nodeDecoder) number(n *yaml.Node, s string, t reflect.Type, v reflect.Value) {
	if !v.IsValid() {
		v = reflect.New(t).Elem()
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		i, err := strconv.ParseInt(s, 10, 64)
		if err != nil || v.OverflowInt(i) {
			d.mismatch(n, "number "+s, t)
			return
		}
		v.SetInt(i)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		u, err := strconv.ParseUint(s, 10, 64)
		if err != nil || v.OverflowUint(u) {
			d.mismatch(n, "number "+s, t)
			return
		}
		v.SetUint(u)
	case reflect.Float32, reflect.Float64:
		f, err := strconv.ParseFloat(s, t.Bits())
		if err != nil || v.OverflowFloat(f) {
			d.mismatch(n, "number "+s, t)
			return
		}
		v.SetFloat(f)
	default:
		d.mismatch(n, "number", t)
	}
}
