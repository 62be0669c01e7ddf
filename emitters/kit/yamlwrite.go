package kit

import (
	"errors"
	"strconv"
	"unicode/utf8"
)

// errShape reports a tree this printer does not lay out as yaml.v3 would
// (a sequence directly in a sequence, a key yaml.v3 writes in the "? "
// form, a line separator outside double quotes); the caller then prints
// the object with yaml.v3 itself.
var errShape = errors.New("shape not printed here")

// yamlWriter prints a yamlTree the way yaml.v3's encoder does with
// SetIndent(2) and CompactSeqIndent: block style, two spaces a level,
// sequence items flush with their key, empty collections as {} and [].
type yamlWriter struct {
	t   *yamlTree
	out []byte
}

// mapping writes the members of a non-empty mapping, one a line at
// indent; the first after a sequence item's "- " when inItem.
func (w *yamlWriter) mapping(n yamlNode, indent int, inItem bool) error {
	for i, m := range w.t.members[n.lo:n.hi] {
		if i > 0 || !inItem {
			w.spaces(indent)
		}
		style, ok := w.t.styles.style(m.key, true)
		if !ok {
			return errShape
		}
		w.scalar(m.key, style, 0)
		w.out = append(w.out, ':')
		v := w.t.nodes[m.val]
		switch {
		case v.kind == yamlMap && v.hi > v.lo:
			w.out = append(w.out, '\n')
			if err := w.mapping(v, indent+2, false); err != nil {
				return err
			}
		case v.kind == yamlSeq && v.hi > v.lo:
			w.out = append(w.out, '\n')
			if err := w.sequence(v, indent); err != nil {
				return err
			}
		default:
			if err := w.leaf(v, indent+2); err != nil {
				return err
			}
		}
	}
	return nil
}

// sequence writes the items of a non-empty sequence, "- " at indent.
func (w *yamlWriter) sequence(n yamlNode, indent int) error {
	for _, m := range w.t.members[n.lo:n.hi] {
		w.spaces(indent)
		w.out = append(w.out, '-')
		v := w.t.nodes[m.val]
		switch {
		case v.kind == yamlMap && v.hi > v.lo:
			w.out = append(w.out, ' ')
			if err := w.mapping(v, indent+2, true); err != nil {
				return err
			}
		case v.kind == yamlSeq && v.hi > v.lo:
			return errShape
		default:
			if err := w.leaf(v, indent+2); err != nil {
				return err
			}
		}
	}
	return nil
}

// leaf writes a scalar or an empty collection after its key or "-", and
// ends the line. A literal block's lines go at indent.
func (w *yamlWriter) leaf(v yamlNode, indent int) error {
	w.out = append(w.out, ' ')
	switch v.kind {
	case yamlMap:
		w.out = append(w.out, "{}\n"...)
	case yamlSeq:
		w.out = append(w.out, "[]\n"...)
	case yamlWord:
		w.out = append(append(w.out, v.text...), '\n')
	case yamlNumber:
		w.out = append(appendNumber(w.out, v.text), '\n')
	default:
		style, ok := w.t.styles.style(v.text, false)
		if !ok {
			return errShape
		}
		w.scalar(v.text, style, indent)
		if style != styleLiteral || v.text[len(v.text)-1] != '\n' {
			w.out = append(w.out, '\n')
		}
	}
	return nil
}

// spaces indents a line.
func (w *yamlWriter) spaces(n int) {
	for range n {
		w.out = append(w.out, ' ')
	}
}

// scalar writes a string in a style; a literal's lines go at indent.
func (w *yamlWriter) scalar(s []byte, style, indent int) {
	switch style {
	case stylePlain:
		w.out = append(w.out, s...)
	case styleSingle:
		w.out = append(w.out, '\'')
		for _, c := range s {
			if c == '\'' {
				w.out = append(w.out, '\'')
			}
			w.out = append(w.out, c)
		}
		w.out = append(w.out, '\'')
	case styleDouble:
		w.out = appendDoubleQuoted(w.out, s)
	default:
		w.literal(s, indent)
	}
}

// literal writes a "|" block (yaml_emitter_write_literal_scalar): an
// indentation hint when the text starts with a space or break, "-" when
// it does not end with a line break, "+" when it ends with two or is one.
func (w *yamlWriter) literal(s []byte, indent int) {
	w.out = append(w.out, '|')
	if s[0] == ' ' || s[0] == '\n' {
		w.out = append(w.out, '2')
	}
	switch n := len(s); {
	case s[n-1] != '\n':
		w.out = append(w.out, '-')
	case n == 1 || s[n-2] == '\n':
		w.out = append(w.out, '+')
	}
	w.out = append(w.out, '\n')
	lineStart := true
	for _, c := range s {
		if c == '\n' {
			w.out = append(w.out, '\n')
			lineStart = true
			continue
		}
		if lineStart {
			w.spaces(indent)
			lineStart = false
		}
		w.out = append(w.out, c)
	}
}

// appendDoubleQuoted writes s in double quotes
// (yaml_emitter_write_double_quoted_scalar): what is not printable, line
// breaks, '"' and '\' escaped; every rune when s starts with a byte order
// mark, which yaml.v3 checks at the start of the text for each rune.
func appendDoubleQuoted(out, s []byte) []byte {
	out = append(out, '"')
	bom := len(s) >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF
	for i := 0; i < len(s); {
		w := runeWidth(s[i])
		if !bom && printableAt(s, i) && !breakAt(s, i) && s[i] != '"' && s[i] != '\\' {
			out = append(out, s[i:i+w]...)
			i += w
			continue
		}
		r, _ := utf8.DecodeRune(s[i:])
		out = appendEscape(out, r)
		i += w
	}
	return append(out, '"')
}

// shortEscapes are the one-letter escapes of double-quoted YAML.
var shortEscapes = map[rune]byte{
	0x00: '0', 0x07: 'a', 0x08: 'b', 0x09: 't', 0x0A: 'n', 0x0B: 'v', 0x0C: 'f', 0x0D: 'r', 0x1B: 'e',
	'"': '"', '\\': '\\', 0x85: 'N', 0xA0: '_', 0x2028: 'L', 0x2029: 'P',
}

// appendEscape writes one escaped rune: \x, \u or \U with upper-case hex
// digits where it has no one-letter escape.
func appendEscape(out []byte, r rune) []byte {
	out = append(out, '\\')
	if c, ok := shortEscapes[r]; ok {
		return append(out, c)
	}
	digits := 8
	switch {
	case r <= 0xFF:
		out, digits = append(out, 'x'), 2
	case r <= 0xFFFF:
		out, digits = append(out, 'u'), 4
	default:
		out = append(out, 'U')
	}
	for k := (digits - 1) * 4; k >= 0; k -= 4 {
		out = append(out, "0123456789ABCDEF"[(r>>k)&0xF])
	}
	return out
}

// appendNumber writes a JSON number as the old path printed it: read as
// an int64 where it is one, else as a float64 (yaml.v3's floatv).
func appendNumber(out, num []byte) []byte {
	if n, err := strconv.ParseInt(string(num), 10, 64); err == nil {
		return strconv.AppendInt(out, n, 10)
	}
	f, _ := strconv.ParseFloat(string(num), 64)
	s := strconv.FormatFloat(f, 'g', -1, 64)
	switch s {
	case "+Inf":
		s = ".inf"
	case "-Inf":
		s = "-.inf"
	case "NaN":
		s = ".nan"
	}
	return append(out, s...)
}
