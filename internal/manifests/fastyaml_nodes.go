package manifests

import (
	"bytes"
	"strings"

	"go.yaml.in/yaml/v3"
)

// mapping reads the block mapping indented ind whose first key is at off
// of the current line (after "- " for a mapping in a sequence entry).
func (p *fastParser) mapping(ind, off int) *yaml.Node {
	n := p.node(yaml.MappingNode, "!!map", off)
	base := len(p.a.stack)
	for {
		key, after := p.key(off)
		p.a.stack = append(p.a.stack, key)
		p.a.stack = append(p.a.stack, p.value(ind, after))
		if p.eof || p.ind < ind {
			n.Content = p.a.content(base)
			return n
		}
		off = p.start + ind
		if p.ind > ind || p.isSeqEntry(off) {
			decline() // yaml.v3 refuses both
		}
	}
}

// key reads the mapping key at off and the ':' after it; after is the
// offset past the ':'.
func (p *fastParser) key(off int) (key *yaml.Node, after int) {
	key, end := p.scalar(off)
	if end >= p.end || p.src[end] != ':' || (end+1 < p.end && p.src[end+1] != ' ') {
		decline()
	}
	if len(key.Value) > fastMaxKey || (key.Style == 0 && key.Value == "<<") {
		decline() // too long a simple key for yaml.v3; a merge key
	}
	return key, end + 1
}

// value reads the value of a key of the mapping indented ind, from off
// (past the ':'), and moves to the next content line after it.
func (p *fastParser) value(ind, off int) *yaml.Node {
	if !p.endOfLine(off) {
		v := p.inline(p.skipSpaces(off))
		p.afterInline(ind)
		return v
	}
	line, col := p.line, p.column(off)
	p.next()
	switch {
	case !p.eof && p.ind > ind:
		return p.block()
	case !p.eof && p.ind == ind && p.isSeqEntry(p.start+ind):
		return p.sequence(ind) // a sequence at its key's indentation
	}
	// yaml.v3 places an empty value where the ':' ends.
	n := p.alloc(yaml.ScalarNode, "!!null")
	n.Line, n.Column = line+p.shift, col
	return n
}

// afterInline moves past the line of a value written on its key's or
// entry's line, in a collection indented ind. A more indented line after
// it would continue a plain scalar over lines, or be an error: yaml.v3's.
func (p *fastParser) afterInline(ind int) {
	p.next()
	if !p.eof && p.ind > ind {
		decline()
	}
}

// sequence reads the block sequence whose entries are at indentation ind.
func (p *fastParser) sequence(ind int) *yaml.Node {
	n := p.node(yaml.SequenceNode, "!!seq", p.start+ind)
	base := len(p.a.stack)
	for {
		p.a.stack = append(p.a.stack, p.entry(ind))
		if p.ind > ind && !p.eof {
			decline()
		}
		// A line less indented, or the next key of the mapping the
		// sequence is the value of, ends it.
		if p.eof || p.ind < ind || !p.isSeqEntry(p.start+ind) {
			n.Content = p.a.content(base)
			return n
		}
	}
}

// entry reads the sequence entry whose "-" is at indentation ind of the
// current line, and moves to the next content line after it.
func (p *fastParser) entry(ind int) *yaml.Node {
	off := p.start + ind + 1
	if p.endOfLine(off) {
		p.next()
		if p.eof || p.ind <= ind {
			decline() // an empty entry
		}
		return p.block()
	}
	at := p.skipSpaces(off)
	if p.isSeqEntry(at) {
		decline() // "- - x"
	}
	if p.startsKey(at) {
		if p.depth++; p.depth > fastMaxDepth {
			decline()
		}
		defer func() { p.depth-- }()
		return p.mapping(at-p.start, at)
	}
	v := p.inline(at)
	p.afterInline(ind)
	return v
}

// startsKey tells whether a mapping key (a scalar, then ':' and a space
// or the end of the line) starts at off.
func (p *fastParser) startsKey(off int) bool {
	c := p.src[off]
	if c == '{' || c == '[' {
		return false
	}
	_, end := p.scalar(off)
	return end < p.end && p.src[end] == ':' && (end+1 == p.end || p.src[end+1] == ' ')
}

// inline reads the value written at off, which must end its line: a
// scalar or an empty flow collection.
func (p *fastParser) inline(off int) *yaml.Node {
	var n *yaml.Node
	end := off + 2
	switch {
	case bytes.HasPrefix(p.src[off:p.end], []byte("{}")):
		n = p.node(yaml.MappingNode, "!!map", off)
		n.Style = yaml.FlowStyle
	case bytes.HasPrefix(p.src[off:p.end], []byte("[]")):
		n = p.node(yaml.SequenceNode, "!!seq", off)
		n.Style = yaml.FlowStyle
	default:
		n, end = p.scalar(off)
	}
	if !p.endOfLine(end) {
		decline()
	}
	return n
}

// scalar reads the one-line scalar at off; end is the offset after it
// (after its closing quote, or where a plain scalar stops).
func (p *fastParser) scalar(off int) (n *yaml.Node, end int) {
	switch p.src[off] {
	case '"':
		return p.doubleQuoted(off)
	case '\'':
		return p.singleQuoted(off)
	}
	return p.plain(off)
}

// plainStart tells whether a plain scalar may start with c (followed by
// next): not an indicator; "-" only before a character other than a
// space (the others that yaml.v3 allows there are left to it).
func plainStart(c byte) bool {
	return !strings.ContainsRune(",[]{}#&*!|>'\"%@`?:", rune(c))
}

// plain reads a plain scalar: it stops at ": ", at a ':' ending the line,
// at " #" and at the end of the line, less trailing spaces.
func (p *fastParser) plain(off int) (*yaml.Node, int) {
	if !plainStart(p.src[off]) || (p.src[off] == '-' && (off+1 == p.end || p.src[off+1] == ' ')) {
		decline()
	}
	j := off
	for ; j < p.end; j++ {
		c := p.src[j]
		if (c == ':' && (j+1 == p.end || p.src[j+1] == ' ')) || (c == '#' && p.src[j-1] == ' ') {
			break
		}
	}
	stop := j
	for j > off && p.src[j-1] == ' ' {
		j--
	}
	if stop < p.end && p.src[stop] == ':' && j != stop {
		decline() // "key  :": a key with spaces before its ':'
	}
	v := p.a.str(p.src[off:j])
	if v == "<<" {
		decline()
	}
	n := p.node(yaml.ScalarNode, "", off)
	n.Value = v
	n.Tag = plainTag(n)
	return n, stop
}

// plainTag is the tag yaml.v3's resolve gives untagged plain scalar n:
// its own answer but for text that starts with a letter and decimal
// integers, which it answers without a map lookup or boxing a value.
// resolve reads text that starts with a letter as text unless it is one
// of the spellings of true, false and null (its map has nothing else
// that starts with a letter).
func plainTag(n *yaml.Node) string {
	v := n.Value
	switch c := v[0]; {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		switch v {
		case "true", "True", "TRUE", "false", "False", "FALSE":
			return "!!bool"
		case "null", "Null", "NULL":
			return "!!null"
		}
		return "!!str"
	case c >= '1' && c <= '9' && len(v) <= 18 && strings.Trim(v, "0123456789") == "":
		return "!!int"
	}
	return n.ShortTag()
}

// singleQuoted reads a one-line single-quoted scalar (” is a quote).
func (p *fastParser) singleQuoted(off int) (*yaml.Node, int) {
	var b strings.Builder
	from := off + 1
	for j := off + 1; ; j++ {
		if j >= p.end {
			decline() // over lines
		}
		if p.src[j] != '\'' {
			continue
		}
		if j+1 < p.end && p.src[j+1] == '\'' {
			b.Write(p.src[from : j+1])
			j++
			from = j + 1
			continue
		}
		return p.quoted(off, yaml.SingleQuotedStyle, &b, p.src[from:j]), j + 1
	}
}

// doubleQuoted reads a one-line double-quoted scalar with no escapes
// but \" \\ \n \t and \r.
func (p *fastParser) doubleQuoted(off int) (*yaml.Node, int) {
	var b strings.Builder
	from := off + 1
	for j := off + 1; ; j++ {
		if j >= p.end {
			decline()
		}
		switch p.src[j] {
		case '"':
			return p.quoted(off, yaml.DoubleQuotedStyle, &b, p.src[from:j]), j + 1
		case '\\':
			if j+1 >= p.end {
				decline()
			}
			b.Write(p.src[from:j])
			b.WriteByte(unescape(p.src[j+1]))
			j++
			from = j + 1
		}
	}
}

// quoted is the string node of a quoted scalar at off: what b holds of
// it (the text before its last escape, unescaped), then tail.
func (p *fastParser) quoted(off int, style yaml.Style, b *strings.Builder, tail []byte) *yaml.Node {
	n := p.node(yaml.ScalarNode, "!!str", off)
	n.Style = style
	n.Value = p.a.str(tail)
	if b.Len() > 0 {
		n.Value = b.String() + n.Value
	}
	return n
}

// unescape is the character of the escape \c, for the escapes the fast
// parser reads.
func unescape(c byte) byte {
	switch c {
	case '"', '\\': // not \/: yaml.v3 refuses it
		return c
	case 'n':
		return '\n'
	case 't':
		return '\t'
	case 'r':
		return '\r'
	}
	decline()
	return 0
}
