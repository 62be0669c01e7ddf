package manifests

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/netpolc/netpolc/internal/diag"
)

// chunk is the text of one or more YAML documents that starts at line
// Line (1-based) of its file. Files are cut at "---" lines so that a
// syntax error in one document does not hide the documents after it.
type chunk struct {
	Line int
	Data []byte
}

// documents cuts data before every line that starts a document ("---"
// followed by white space or the end of the line). YAML forbids such a
// line inside a scalar, so the cut never splits a value.
func documents(data []byte) iter.Seq[chunk] {
	return func(yield func(chunk) bool) {
		start, startLine, line := 0, 1, 1
		for off := 0; off < len(data); {
			end := bytes.IndexByte(data[off:], '\n')
			next := len(data)
			if end >= 0 {
				next = off + end + 1
			}
			if off > start && isDocumentStart(data[off:next]) {
				if !yield(chunk{Line: startLine, Data: data[start:off]}) {
					return
				}
				start, startLine = off, line
			}
			off = next
			line++
		}
		yield(chunk{Line: startLine, Data: data[start:]})
	}
}

func isDocumentStart(l []byte) bool {
	if !bytes.HasPrefix(l, []byte("---")) {
		return false
	}
	return len(l) == 3 || l[3] == ' ' || l[3] == '\t' || l[3] == '\n' || l[3] == '\r'
}

// checkUTF8 is the problem of text in c that is not UTF-8, at the line
// and column of the first bad byte (the YAML parser names only the line
// its current token started on), or nil. Text that starts with a UTF-16
// byte order mark is the parser's to decode.
func checkUTF8(file string, c chunk) *diag.Diagnostic {
	if bytes.HasPrefix(c.Data, []byte{0xff, 0xfe}) || bytes.HasPrefix(c.Data, []byte{0xfe, 0xff}) || utf8.Valid(c.Data) {
		return nil
	}
	off := 0
	for off < len(c.Data) {
		r, size := utf8.DecodeRune(c.Data[off:])
		if r == utf8.RuneError && size <= 1 {
			break
		}
		off += size
	}
	pos := positionAt(file, c.Data, off)
	pos.Line += c.Line - 1
	return problem(pos, "", errSyntax, "save the file as UTF-8 (Kubernetes reads nothing else)",
		"invalid UTF-8: byte 0x%02x", c.Data[off])
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parseChunk parses every document of c into its content node, with node
// lines made relative to the file. A syntax error ends the chunk and is
// returned with its file line and the parser's message. The fast parser
// reads the chunks it can (fastyaml.go), yaml.v3 the others.
func parseChunk(c chunk) ([]*yaml.Node, int, string) {
	return parseChunkIn(c, &nodeArena{}, fastYAML)
}

// parseChunkIn is parseChunk with the fast parser's nodes allocated in a;
// fast false leaves every chunk to yaml.v3.
func parseChunkIn(c chunk, a *nodeArena, fast bool) ([]*yaml.Node, int, string) {
	if !fast {
		return parseChunkYAML(c)
	}
	if docs, ok := scanChunk(c, a); ok {
		return docs, 0, ""
	}
	return parseChunkYAML(c)
}

// parseChunkYAML is parseChunk with yaml.v3, for every chunk.
func parseChunkYAML(c chunk) ([]*yaml.Node, int, string) {
	var docs []*yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(c.Data))
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return docs, 0, ""
		}
		if err != nil {
			msg := strings.TrimPrefix(err.Error(), "yaml: ")
			line := c.Line
			if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
				l, _ := strconv.Atoi(m[1])
				line, msg = c.Line+l-1, m[2]
			}
			return docs, line, msg
		}
		if n.Kind == yaml.DocumentNode && len(n.Content) == 1 && !isNull(n.Content[0]) {
			shiftLines(n.Content[0], c.Line-1)
			docs = append(docs, n.Content[0])
		}
	}
}

// shiftLines adds delta to the line of every node of the tree. Aliases
// point into the same tree, so they are not followed.
func shiftLines(n *yaml.Node, delta int) {
	n.Line += delta
	for _, c := range n.Content {
		shiftLines(c, delta)
	}
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// nodeError is a problem at one YAML node.
type nodeError struct {
	Node *yaml.Node
	Msg  string
}

func (e *nodeError) Error() string { return e.Msg }

// jsonWriter walks an object's node tree as JSON: mapping keys become
// strings, merge keys ("<<") are applied, aliases expanded, duplicate keys
// rejected. Converting (charge set, buf nil) checks the tree and charges
// every node to the expander's budget, writing nothing; rendering (buf
// set) writes the JSON of a tree that converted, for the few readers that
// want JSON (custom JSON unmarshalers, the CRD validation of admin
// policies, the comparison of two definitions of an object).
type jsonWriter struct {
	x      *expander
	buf    *bytes.Buffer // nil: check only
	charge bool
	active map[*yaml.Node]bool // aliases being expanded, to stop cycles
}

// convert checks that n converts to JSON, charging every node written
// (as rendering would write it) to x's budget.
func (x *expander) convert(n *yaml.Node) *nodeError {
	w := &jsonWriter{x: x, charge: true, active: map[*yaml.Node]bool{}}
	if err := w.value(n); err != nil {
		ne := &nodeError{n, err.Error()}
		errors.As(err, &ne) // every error of value is one
		return ne
	}
	return nil
}

// renderJSON is the JSON of n, which converted; nothing is charged.
func (x *expander) renderJSON(n *yaml.Node) ([]byte, error) {
	w := &jsonWriter{x: x, buf: &bytes.Buffer{}, active: map[*yaml.Node]bool{}}
	if err := w.value(n); err != nil {
		return nil, err
	}
	return w.buf.Bytes(), nil
}

func (w *jsonWriter) value(n *yaml.Node) error {
	if w.charge && !w.x.charge(n, 1) {
		return errSpent
	}
	switch n.Kind {
	case yaml.AliasNode:
		if w.active[n] || n.Alias == nil {
			return &nodeError{n, "alias refers to itself"}
		}
		w.active[n] = true
		defer delete(w.active, n)
		defer w.x.enter(n)()
		return w.value(n.Alias)
	case yaml.MappingNode:
		return w.mapping(n)
	case yaml.SequenceNode:
		w.writeByte('[')
		for i, c := range n.Content {
			if i > 0 {
				w.writeByte(',')
			}
			if err := w.value(c); err != nil {
				return err
			}
		}
		w.writeByte(']')
		return nil
	case yaml.ScalarNode:
		return writeScalar(w.buf, n)
	}
	return &nodeError{n, "unexpected YAML node"}
}

func (w *jsonWriter) writeByte(c byte) {
	if w.buf != nil {
		w.buf.WriteByte(c)
	}
}

func (w *jsonWriter) mapping(n *yaml.Node) error {
	fields, err := w.x.mappingFields(n, 0)
	if err != nil {
		return err
	}
	w.writeByte('{')
	for i, f := range fields {
		if i > 0 {
			w.writeByte(',')
		}
		if w.buf != nil {
			writeString(w.buf, f.Key)
		}
		w.writeByte(':')
		if err := w.value(f.Value); err != nil {
			return err
		}
	}
	w.writeByte('}')
	return nil
}

// literal is the kind of JSON value a scalar is.
type literal uint8

const (
	litNull literal = iota
	litBool
	litNumber
	litString
)

// scalarJSON is the JSON value of scalar n, as kubectl reads it: its kind
// and its text (the literal of a number or boolean, a string's value
// unquoted). Strings, timestamps, binary and custom tags stay text, as
// the API server reads them.
func scalarJSON(n *yaml.Node) (literal, string, *nodeError) {
	if v, ok := yaml11Bool(n); ok {
		return litBool, strconv.FormatBool(v), nil
	}
	switch n.ShortTag() {
	case "!!null":
		return litNull, "null", nil
	case "!!bool", "!!int", "!!float":
		if s, ok := fastScalar(n); ok {
			return litOf(n), s, nil
		}
		var v any
		if err := n.Decode(&v); err != nil {
			return 0, "", &nodeError{n, strings.TrimPrefix(err.Error(), "yaml: ")}
		}
		b, err := json.Marshal(v)
		if err != nil {
			return 0, "", &nodeError{n, fmt.Sprintf("%s is not a number JSON can hold", n.Value)}
		}
		if b[0] == 't' || b[0] == 'f' {
			return litBool, string(b), nil
		}
		return litNumber, string(b), nil
	}
	return litString, n.Value, nil
}

func litOf(n *yaml.Node) literal {
	if n.ShortTag() == "!!bool" {
		return litBool
	}
	return litNumber
}

// writeScalar writes the JSON of scalar n to b (nil: checks it only).
func writeScalar(b *bytes.Buffer, n *yaml.Node) error {
	k, s, err := scalarJSON(n)
	switch {
	case err != nil:
		return err
	case b == nil:
	case k == litString:
		writeString(b, s)
	default:
		b.WriteString(s)
	}
	return nil
}

// fastScalar is the JSON literal of the common spellings of numbers and
// booleans, without the reflection of yaml.Node.Decode, which dominates
// large documents. A decimal integer written as Go writes it is its own
// literal (nothing is allocated for it).
func fastScalar(n *yaml.Node) (string, bool) {
	switch n.ShortTag() {
	case "!!bool":
		switch n.Value {
		case "true", "True", "TRUE":
			return "true", true
		case "false", "False", "FALSE":
			return "false", true
		}
	case "!!int":
		if i, err := strconv.ParseInt(n.Value, 10, 64); err == nil {
			if plainInt(n.Value) {
				return n.Value, true
			}
			return strconv.FormatInt(i, 10), true
		}
	case "!!float":
		if f, err := strconv.ParseFloat(n.Value, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return strconv.FormatFloat(f, 'g', -1, 64), true
		}
	}
	return "", false
}

// plainInt tells whether s, a decimal int64, is spelt as FormatInt spells
// it: no sign but a minus, no leading zero.
func plainInt(s string) bool {
	d := strings.TrimPrefix(s, "-")
	return d != "" && d[0] != '+' && (d[0] != '0' || s == "0")
}

func writeString(b *bytes.Buffer, s string) {
	enc, _ := json.Marshal(s) // a string always marshals
	b.Write(enc)
}

// yaml11Bool tells whether n is an unquoted, untagged scalar that YAML 1.1
// reads as a boolean and YAML 1.2 (this reader) as text — y, yes, on, n,
// no, off in their three spellings — and which boolean. kubectl's YAML
// reader (go-yaml v2) follows YAML 1.1, so netpolc does too: `name: no`
// is a boolean where a string is wanted, an error, not the name "no".
func yaml11Bool(n *yaml.Node) (value, ok bool) {
	if n.Kind != yaml.ScalarNode || n.Style != 0 || n.ShortTag() != "!!str" {
		return false, false
	}
	switch n.Value {
	case "y", "Y", "yes", "Yes", "YES", "on", "On", "ON":
		return true, true
	case "n", "N", "no", "No", "NO", "off", "Off", "OFF":
		return false, true
	}
	return false, false
}

// keyString is the JSON key of mapping key k as kubectl reads it: a YAML
// 1.1 boolean is "true" or "false".
func keyString(k *yaml.Node) string {
	if v, ok := yaml11Bool(k); ok {
		return strconv.FormatBool(v)
	}
	if k.ShortTag() == "!!bool" && k.Style == 0 {
		return strings.ToLower(k.Value)
	}
	return k.Value
}

// quoteHint is the hint for a decode error at n: to quote it, when it is
// a YAML 1.1 boolean.
func quoteHint(n *yaml.Node) string {
	if _, ok := yaml11Bool(n); ok {
		return fmt.Sprintf("YAML 1.1, which kubectl reads, takes an unquoted %s for a boolean; quote it (%q) if you mean the text", n.Value, n.Value)
	}
	return ""
}
