package compiler

import (
	"bytes"
	"encoding/json"
	"errors"
	"unicode/utf8"

	"cuelang.org/go/cue"
)

// expanded is n's value read in one piece, from its JSON: the policies of
// a template instance, where the compiler reads every field of every
// policy, rule and peer. Through the API each of those structs and lists
// costs an evaluator context and each struct a topological sort (see
// node); MarshalJSON makes one context for the whole value (cue/types.go:
// Value.appendJSON passes its ctx down), which halves the compile's
// allocations at 20,000 workloads. The fields keep CUE's order (JSON
// objects are written in Fields' order), values are their defaults, and
// optional, hidden and definition fields are left out, as Fields leaves
// them out. Positions and paths are still the CUE value's, looked up when
// an error or origin asks (val). Anything MarshalJSON refuses (an
// incomplete value or an error) leaves n as it is: the compiler then reads
// it through the API and reports what it finds.
func (n *node) expanded() *node {
	if n == nil || n.jkind != 0 {
		return n
	}
	data, err := n.d.MarshalJSON()
	if err != nil {
		return n
	}
	p := jsonParser{data: data}
	root, err := p.value(nil, cue.Selector{})
	if err != nil || p.skipSpace() != len(p.data) {
		return n
	}
	root.v, root.d, root.resolved = n.v, n.d, true
	return root
}

// expandTemplateOutput says to read template output from its JSON (a
// variable for the tests, which compare it with reading it through the
// API).
var expandTemplateOutput = true

// jsonParser reads the JSON MarshalJSON writes into nodes: objects,
// arrays, strings, numbers, true, false and null, with no duplicate keys
// (CUE's fields are unique).
type jsonParser struct {
	data []byte
	i    int
}

var errJSON = errors.New("malformed JSON")

// skipSpace skips white space and returns the offset after it.
func (p *jsonParser) skipSpace() int {
	for p.i < len(p.data) {
		switch p.data[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return p.i
		}
	}
	return p.i
}

// value reads one value, the child sel of parent.
func (p *jsonParser) value(parent *node, sel cue.Selector) (*node, error) {
	n := &node{parent: parent, sel: sel, fieldsRead: true, listRead: true}
	if p.skipSpace() == len(p.data) {
		return nil, errJSON
	}
	switch c := p.data[p.i]; {
	case c == '{':
		n.jkind = cue.StructKind
		return n, p.object(n)
	case c == '[':
		n.jkind, n.isList = cue.ListKind, true
		return n, p.array(n)
	case c == '"':
		n.jkind = cue.StringKind
		s, err := p.str()
		n.jtext = s
		return n, err
	case c == '-' || (c >= '0' && c <= '9'):
		return n, p.number(n)
	}
	for _, lit := range []struct {
		text string
		kind cue.Kind
	}{{"true", cue.BoolKind}, {"false", cue.BoolKind}, {"null", cue.NullKind}} {
		if bytes.HasPrefix(p.data[p.i:], []byte(lit.text)) {
			p.i += len(lit.text)
			n.jkind, n.jtext = lit.kind, lit.text
			return n, nil
		}
	}
	return nil, errJSON
}

// object reads the fields of an object into n.
func (p *jsonParser) object(n *node) error {
	p.i++ // {
	if p.skipSpace() < len(p.data) && p.data[p.i] == '}' {
		p.i++
		return nil
	}
	for {
		if p.skipSpace() == len(p.data) || p.data[p.i] != '"' {
			return errJSON
		}
		name, err := p.str()
		if err != nil {
			return err
		}
		if p.skipSpace() == len(p.data) || p.data[p.i] != ':' {
			return errJSON
		}
		p.i++
		kid, err := p.value(n, cue.Str(name))
		if err != nil {
			return err
		}
		n.names, n.kids = append(n.names, name), append(n.kids, kid)
		done, err := p.next('}')
		if err != nil {
			return err
		}
		if done {
			n.indexFields()
			return nil
		}
	}
}

// array reads the elements of an array into n.
func (p *jsonParser) array(n *node) error {
	p.i++ // [
	if p.skipSpace() < len(p.data) && p.data[p.i] == ']' {
		p.i++
		return nil
	}
	for {
		e, err := p.value(n, cue.Index(len(n.elems)))
		if err != nil {
			return err
		}
		n.elems = append(n.elems, e)
		if done, err := p.next(']'); done || err != nil {
			return err
		}
	}
}

// next reads the ',' before another member or the closing delimiter
// (done); anything else is an error.
func (p *jsonParser) next(closing byte) (done bool, err error) {
	if p.skipSpace() == len(p.data) {
		return true, errJSON
	}
	switch p.data[p.i] {
	case ',':
		p.i++
		return false, nil
	case closing:
		p.i++
		return true, nil
	}
	return true, errJSON
}

// str reads a string; one without escapes (in valid UTF-8, as CUE's
// strings are) is a copy of the input, any other is decoded as
// encoding/json decodes it.
func (p *jsonParser) str() (string, error) {
	start := p.i
	p.i++ // "
	escaped := false
	for p.i < len(p.data) {
		switch c := p.data[p.i]; {
		case c == '\\':
			escaped = true
			p.i += 2
			continue
		case c == '"':
			p.i++
			if raw := p.data[start+1 : p.i-1]; !escaped && utf8.Valid(raw) {
				return string(raw), nil
			}
			var s string
			if err := json.Unmarshal(p.data[start:p.i], &s); err != nil {
				return "", err
			}
			return s, nil
		case c < 0x20:
			return "", errJSON
		}
		p.i++
	}
	return "", errJSON
}

// number reads a number: an integer is IntKind, one with a fraction or an
// exponent FloatKind (CUE writes a float with one, an int without:
// apd's 'G' format of a decimal with exponent zero has neither).
func (p *jsonParser) number(n *node) error {
	start := p.i
	n.jkind = cue.IntKind
	for p.i < len(p.data) {
		c := p.data[p.i]
		switch {
		case c >= '0' && c <= '9', c == '-', c == '+':
		case c == '.', c == 'e', c == 'E':
			n.jkind = cue.FloatKind
		default:
			n.jtext = string(p.data[start:p.i])
			return checkNumber(n.jtext)
		}
		p.i++
	}
	n.jtext = string(p.data[start:p.i])
	return checkNumber(n.jtext)
}

// checkNumber checks that text is a JSON number.
func checkNumber(text string) error {
	if !json.Valid([]byte(text)) {
		return errJSON
	}
	return nil
}
