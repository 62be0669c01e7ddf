package manifests

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
	sigsjson "sigs.k8s.io/json"
)

// The reader before objects were decoded straight from the YAML nodes:
// each object rendered as JSON, recording where each node starts, then
// decoded with sigs.k8s.io/json, and a decode error traced back to a node
// by its field path and JSON offset. It is kept here only as the oracle
// of FuzzDecodeEquivalence: the node decoder must say what it said.

// legacyWriter renders a tree as JSON like jsonWriter, remembering where
// in the JSON each node starts.
type legacyWriter struct {
	x      *expander
	buf    bytes.Buffer
	starts map[*yaml.Node]int
	offs   []legacyOffset
	active map[*yaml.Node]bool
}

type legacyOffset struct {
	Off  int
	Node *yaml.Node
}

func legacyJSON(x *expander, n *yaml.Node) *legacyWriter {
	w := &legacyWriter{x: x, starts: map[*yaml.Node]int{}, active: map[*yaml.Node]bool{}}
	if err := w.value(n); err != nil {
		panic(fmt.Sprintf("legacy rendering of a converted object: %v", err))
	}
	return w
}

func (w *legacyWriter) value(n *yaml.Node) error {
	off := w.buf.Len()
	if _, ok := w.starts[n]; !ok {
		w.starts[n] = off
	}
	w.offs = append(w.offs, legacyOffset{off, n})
	switch n.Kind {
	case yaml.AliasNode:
		if w.active[n] || n.Alias == nil {
			return errors.New("alias refers to itself")
		}
		w.active[n] = true
		defer delete(w.active, n)
		return w.value(n.Alias)
	case yaml.MappingNode:
		fields, err := w.x.mappingFields(n, 0)
		if err != nil {
			return err
		}
		w.buf.WriteByte('{')
		for i, f := range fields {
			if i > 0 {
				w.buf.WriteByte(',')
			}
			writeString(&w.buf, f.Key)
			w.buf.WriteByte(':')
			if err := w.value(f.Value); err != nil {
				return err
			}
		}
		w.buf.WriteByte('}')
		return nil
	case yaml.SequenceNode:
		w.buf.WriteByte('[')
		for i, c := range n.Content {
			if i > 0 {
				w.buf.WriteByte(',')
			}
			if err := w.value(c); err != nil {
				return err
			}
		}
		w.buf.WriteByte(']')
		return nil
	case yaml.ScalarNode:
		return writeScalar(&w.buf, n)
	}
	return errors.New("unexpected YAML node")
}

func (w *legacyWriter) at(off int64) *yaml.Node {
	var best *yaml.Node
	for _, o := range w.offs {
		if int64(o.Off) >= off {
			break
		}
		best = o.Node
	}
	return best
}

// legacyDecode is the old builder.decode.
func legacyDecode(b *builder, o *object, v any, _ *keep, unknownIsError bool) bool {
	w := legacyJSON(b.x, o.Node)
	strict, err := sigsjson.UnmarshalStrict(w.buf.Bytes(), v, sigsjson.DisallowUnknownFields)
	if err != nil {
		n, field, msg := legacyLocate(w, o.Node, err)
		b.fail(sourceOf(o.File, n), objectPath(o.label(), field), errInvalid, quoteHint(n), "%s", msg)
		return false
	}
	for _, s := range strict {
		path := s.Error()
		var fe sigsjson.FieldError
		if errors.As(s, &fe) {
			path = fe.FieldPath()
		}
		src := o.source()
		if hits := b.x.lookupPath(o.Node, path); len(hits) > 0 && hits[0].Key != nil {
			src = sourceOf(o.File, hits[0].Key)
		}
		if unknownIsError {
			parent, name := splitField(path)
			b.fail(src, objectPath(o.label(), parent), errInvalid, "check its spelling and indentation", "unknown field %q", name)
		} else {
			b.note(src, "ignored unknown field %q of %s", path, o.label())
		}
	}
	return len(strict) == 0 || !unknownIsError
}

func legacyLocate(w *legacyWriter, root *yaml.Node, err error) (*yaml.Node, string, string) {
	var te *jsonTypeError
	if !errors.As(err, &te) {
		return root, "", strings.TrimPrefix(err.Error(), "json: ")
	}
	msg := fmt.Sprintf("want %s, found %s", te.Type, te.Value)
	hits := w.x.lookupPath(root, te.Field)
	var best *yaml.Node
	for _, h := range hits {
		if !matchesJSONKind(h.Value, te.Value) {
			continue
		}
		off, ok := w.starts[h.Value]
		if best == nil || (ok && int64(off) < te.Offset) {
			best = h.Value
		}
	}
	switch {
	case best != nil:
	case w.at(te.Offset) != nil:
		best = w.at(te.Offset)
	case len(hits) > 0:
		best = hits[0].Value
	default:
		best = root
	}
	return best, te.Field, msg
}

// matchesJSONKind tells whether n renders as the JSON value described by
// an UnmarshalTypeError ("string", "number 5", "object", ...).
func matchesJSONKind(n *yaml.Node, value string) bool {
	want, _, _ := strings.Cut(value, " ")
	switch n = resolve(n); n.Kind {
	case yaml.MappingNode:
		return want == "object"
	case yaml.SequenceNode:
		return want == "array"
	}
	if _, ok := yaml11Bool(n); ok {
		return want == "bool"
	}
	switch n.ShortTag() {
	case "!!int", "!!float":
		return want == "number"
	case "!!bool":
		return want == "bool"
	case "!!null":
		return want == "null"
	}
	return want == "string"
}
