package kit

import (
	"errors"
	"slices"
	"strconv"
	"unicode/utf8"
)

// A yamlTree is the JSON form of an object read back as a small ordered
// tree: nodes in one slice, the members of every mapping and sequence in
// another, mapping keys sorted the way yaml.v3 sorts a map's keys. Strings
// without escapes are slices of the JSON text, so reading allocates little.
type yamlTree struct {
	nodes   []yamlNode
	members []yamlMember
	stack   []yamlMember // members of the mappings and sequences being read
	styles  styleMemo    // what styleOf said of strings printed before
	// decoded holds the strings with escapes, decoded: one buffer a
	// print instead of one allocation a string (the origins annotation
	// quotes CUE paths).
	decoded []byte
}

// yamlNode is one value. For a mapping or sequence, members[lo:hi] are its
// members; for a scalar, text is the decoded string, the number as JSON
// wrote it, or true, false or null.
type yamlNode struct {
	kind   byte
	text   []byte
	lo, hi int32
}

// Node kinds.
const (
	yamlMap    = 'm'
	yamlSeq    = 's'
	yamlString = 'q'
	yamlNumber = 'n'
	yamlWord   = 'w' // true, false, null: printed as they are
)

// yamlMember is a mapping entry (key set) or a sequence item.
type yamlMember struct {
	key []byte
	val int32
}

// errJSON reports JSON this reader does not take; the caller then prints
// the object the slow way.
var errJSON = errors.New("unexpected JSON")

// print appends the YAML of JSON j to dst, or reports false where
// this printer does not follow yaml.v3 (see MarshalYAML).
func (t *yamlTree) print(dst, j []byte) ([]byte, bool) {
	root, err := t.read(j)
	if err != nil {
		return nil, false
	}
	n := t.nodes[root]
	if n.kind != yamlMap || n.hi == n.lo {
		return nil, false
	}
	w := yamlWriter{t: t, out: dst}
	if w.mapping(n, 0, false) != nil {
		return nil, false
	}
	return w.out, true
}

// read parses one JSON value (encoding/json's output: compact, valid UTF-8)
// into t and returns its node.
func (t *yamlTree) read(j []byte) (int32, error) {
	t.nodes, t.members, t.stack, t.decoded = t.nodes[:0], t.members[:0], t.stack[:0], t.decoded[:0]
	n, rest, err := t.value(j)
	if err != nil {
		return 0, err
	}
	if len(skipSpace(rest)) != 0 {
		return 0, errJSON
	}
	return n, nil
}

// value reads the value at the start of j.
func (t *yamlTree) value(j []byte) (int32, []byte, error) {
	j = skipSpace(j)
	if len(j) == 0 {
		return 0, nil, errJSON
	}
	switch c := j[0]; {
	case c == '{':
		return t.container(j[1:], yamlMap, '}')
	case c == '[':
		return t.container(j[1:], yamlSeq, ']')
	case c == '"':
		s, rest, err := t.jsonString(j)
		if err != nil {
			return 0, nil, err
		}
		return t.add(yamlNode{kind: yamlString, text: s}), rest, nil
	case c == '-' || c >= '0' && c <= '9':
		i := 1
		for i < len(j) && (j[i] >= '0' && j[i] <= '9' || j[i] == '.' || j[i] == 'e' || j[i] == 'E' || j[i] == '+' || j[i] == '-') {
			i++
		}
		return t.add(yamlNode{kind: yamlNumber, text: j[:i]}), j[i:], nil
	default:
		for _, w := range []string{"true", "false", "null"} {
			if len(j) >= len(w) && string(j[:len(w)]) == w {
				return t.add(yamlNode{kind: yamlWord, text: j[:len(w)]}), j[len(w):], nil
			}
		}
		return 0, nil, errJSON
	}
}

// container reads a mapping or sequence after its opening bracket.
func (t *yamlTree) container(j []byte, kind, end byte) (int32, []byte, error) {
	base := len(t.stack)
	j = skipSpace(j)
	if len(j) > 0 && j[0] == end {
		return t.add(yamlNode{kind: kind}), j[1:], nil
	}
	for {
		var m yamlMember
		var err error
		if kind == yamlMap {
			j = skipSpace(j)
			if len(j) == 0 || j[0] != '"' {
				return 0, nil, errJSON
			}
			if m.key, j, err = t.jsonString(j); err != nil {
				return 0, nil, err
			}
			if j = skipSpace(j); len(j) == 0 || j[0] != ':' {
				return 0, nil, errJSON
			}
			j = j[1:]
		}
		if m.val, j, err = t.value(j); err != nil {
			return 0, nil, err
		}
		t.stack = append(t.stack, m)
		if j = skipSpace(j); len(j) == 0 {
			return 0, nil, errJSON
		}
		if j[0] == end {
			break
		}
		if j[0] != ',' {
			return 0, nil, errJSON
		}
		j = j[1:]
	}
	lo := len(t.members)
	t.members = append(t.members, t.stack[base:]...)
	t.stack = t.stack[:base]
	if kind == yamlMap {
		own := t.members[lo:]
		slices.SortFunc(own, func(a, b yamlMember) int { return keyCompare(a.key, b.key) })
		for i := 1; i < len(own); i++ {
			if string(own[i].key) == string(own[i-1].key) {
				return 0, nil, errJSON // a map would keep one of them
			}
		}
	}
	return t.add(yamlNode{kind: kind, lo: int32(lo), hi: int32(len(t.members))}), j[1:], nil
}

// add appends a node and returns its index.
func (t *yamlTree) add(n yamlNode) int32 {
	t.nodes = append(t.nodes, n)
	return int32(len(t.nodes) - 1)
}

// skipSpace drops JSON white space.
func skipSpace(j []byte) []byte {
	for len(j) > 0 && (j[0] == ' ' || j[0] == '\t' || j[0] == '\n' || j[0] == '\r') {
		j = j[1:]
	}
	return j
}

// jsonString reads the string at the start of j (at its quote). Without
// escapes it is a slice of j, else of t.decoded. A slice of t.decoded
// stays valid when the buffer grows (it keeps the old array) and is
// capped, so nothing appends into it.
func (t *yamlTree) jsonString(j []byte) ([]byte, []byte, error) {
	i := 1
	for i < len(j) && j[i] != '"' && j[i] != '\\' {
		i++
	}
	if i < len(j) && j[i] == '"' {
		return j[1:i], j[i+1:], nil
	}
	start := len(t.decoded)
	out := append(t.decoded, j[1:i]...)
	for i < len(j) {
		switch c := j[i]; c {
		case '"':
			t.decoded = out
			return out[start:len(out):len(out)], j[i+1:], nil
		case '\\':
			if i+1 >= len(j) {
				return nil, nil, errJSON
			}
			var n int
			var err error
			out, n, err = jsonEscape(out, j[i:])
			if err != nil {
				return nil, nil, err
			}
			i += n
		default:
			out = append(out, c)
			i++
		}
	}
	return nil, nil, errJSON
}

// jsonEscape decodes the escape at the start of j, appending it to out,
// and returns how many bytes it took.
func jsonEscape(out, j []byte) ([]byte, int, error) {
	if c, ok := jsonEscapes[j[1]]; ok {
		return append(out, c), 2, nil
	}
	if j[1] != 'u' {
		return nil, 0, errJSON
	}
	r, ok := hex4(j[2:])
	if !ok {
		return nil, 0, errJSON
	}
	n := 6
	if utf8.ValidRune(r) {
		return utf8.AppendRune(out, r), n, nil
	}
	// A surrogate: a pair makes one rune, a lone one is U+FFFD, as
	// encoding/json reads them.
	if r >= 0xD800 && r < 0xDC00 && len(j) >= 12 && j[6] == '\\' && j[7] == 'u' {
		if lo, ok := hex4(j[8:]); ok && lo >= 0xDC00 && lo < 0xE000 {
			return utf8.AppendRune(out, 0x10000+(r-0xD800)<<10+(lo-0xDC00)), 12, nil
		}
	}
	return utf8.AppendRune(out, utf8.RuneError), n, nil
}

// jsonEscapes are the one-letter JSON escapes.
var jsonEscapes = map[byte]byte{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

// hex4 reads four hexadecimal digits.
func hex4(j []byte) (rune, bool) {
	if len(j) < 4 {
		return 0, false
	}
	v, err := strconv.ParseUint(string(j[:4]), 16, 32)
	return rune(v), err == nil
}
