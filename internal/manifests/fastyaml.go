package manifests

import (
	"bytes"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// fastParser reads the block YAML that generated manifests are written in
// (kubectl, helm and kustomize output) into the yaml.Node tree yaml.v3
// builds for it — the same Kind, Tag, Style, Value, Line, Column and
// Content — in one pass over the text, without yaml.v3's token and event
// queues, which cost several times the text in allocations.
//
// It reads block mappings and sequences, single-line plain, single- and
// double-quoted scalars (a few escapes), the empty flow collections {}
// and [], comments and a leading "---". Anything else — anchors,
// aliases, tags, merge keys, flow collections with content, block
// scalars, multi-line scalars, tabs, CR, control characters, directives,
// anything yaml.v3 would reject — makes it decline the whole chunk, which
// yaml.v3 then reads: the fast path is an optimisation, never another
// reader (FuzzFastYAML holds it to yaml.v3's trees). Comments are not
// kept (nothing reads them).
type fastParser struct {
	src        []byte
	shift      int // added to line numbers: the chunk's first line - 1
	start, end int // of the current line; end is its '\n' or len(src)
	line       int // of the current line, 1-based in src
	ind        int // spaces that indent the current line
	eof        bool
	depth      int
	a          *nodeArena
}

// nodeArena allocates the fast parser's nodes and Content slices a few
// thousand at a time, for all the chunks of a file: yaml.v3 allocates
// each node and grows each Content slice on its own.
type nodeArena struct {
	nodes []yaml.Node
	ptrs  []*yaml.Node
	stack []*yaml.Node // children of the collections being read
	// strs interns the file's scalars: each is allocated once, on its
	// own, so that the objects read keep their few strings, not the text
	// of the file they are substrings of.
	strs map[string]string
}

// str is the string of b, interned.
func (a *nodeArena) str(b []byte) string {
	if s, ok := a.strs[string(b)]; ok { // no allocation to look up
		return s
	}
	if a.strs == nil {
		a.strs = map[string]string{}
	}
	s := string(b)
	a.strs[s] = s
	return s
}

// arenaBlock is how many nodes (and Content pointers) the arena
// allocates at once.
const arenaBlock = 1024

func (a *nodeArena) node() *yaml.Node {
	if len(a.nodes) == 0 {
		a.nodes = make([]yaml.Node, arenaBlock)
	}
	n := &a.nodes[0]
	a.nodes = a.nodes[1:]
	return n
}

// content is a copy of the children on the stack from base, which it
// pops: a slice of the arena whose capacity ends with it, so that an
// append to one node's Content cannot write into another's.
func (a *nodeArena) content(base int) []*yaml.Node {
	kids := a.stack[base:]
	if len(kids) > len(a.ptrs) {
		a.ptrs = make([]*yaml.Node, max(arenaBlock, len(kids)))
	}
	c := a.ptrs[:len(kids):len(kids)]
	copy(c, kids)
	a.ptrs = a.ptrs[len(kids):]
	a.stack = a.stack[:base]
	return c
}

// fastYAML turns the fast parser on; tests turn it off to compare.
var fastYAML = true

// declined is the panic that unwinds the fast parser when the text is not
// in its subset; scanChunk recovers it.
type declined struct{}

// fastMaxDepth bounds the nesting the fast parser recurses into; deeper
// documents are yaml.v3's (which has its own bound).
const fastMaxDepth = 200

// fastMaxKey is the longest key the fast parser reads: yaml.v3 refuses
// simple keys of more than 1024 characters.
const fastMaxKey = 1000

// scanChunk parses c with the fast parser; ok is false when c is outside
// its subset (and nothing is returned). docs are as parseChunk returns
// them: the document's content node, lines relative to the file.
func scanChunk(c chunk, a *nodeArena) (docs []*yaml.Node, ok bool) {
	if !plainText(c.Data) {
		return nil, false
	}
	a.stack = a.stack[:0]
	p := &fastParser{src: c.Data, shift: c.Line - 1, line: 1, a: a}
	defer func() {
		if r := recover(); r != nil {
			if _, is := r.(declined); !is {
				panic(r)
			}
			docs, ok = nil, false
		}
	}()
	return p.document(), true
}

// plainText tells whether data holds nothing the fast parser leaves to
// yaml.v3 at the byte level: tabs, CR, control characters, invalid UTF-8,
// and the characters yaml.v3 reads as line breaks (NEL, LS, PS), a byte
// order mark or refuses as not printable.
func plainText(data []byte) bool {
	for i := 0; i < len(data); {
		c := data[i]
		if c < utf8.RuneSelf {
			if (c < ' ' && c != '\n') || c == 0x7f {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(data[i:])
		if r < 0xa0 || r == 0x2028 || r == 0x2029 || r == 0xfeff || (r >= 0xd800 && r < 0xe000) || r == 0xfffe || r == 0xffff {
			return false // RuneError is 0xfffd: caught by size
		}
		if r == utf8.RuneError && size == 1 {
			return false
		}
		i += size
	}
	return true
}

func decline() { panic(declined{}) }

// document reads the chunk: an optional "---" line, then one block node.
func (p *fastParser) document() []*yaml.Node {
	p.setLine(0)
	if bytes.HasPrefix(p.src, []byte("---")) && (p.end == 3 || p.src[3] == ' ') {
		if !p.endOfLine(3) {
			decline()
		}
		p.nextLine()
	}
	p.skipToContent()
	if p.eof {
		return nil
	}
	n := p.block()
	if !p.eof {
		decline()
	}
	return []*yaml.Node{n}
}

// setLine makes the line starting at start the current one.
func (p *fastParser) setLine(start int) {
	p.start = start
	if start >= len(p.src) {
		p.eof, p.end, p.ind = true, len(p.src), 0
		return
	}
	p.end = len(p.src)
	if e := bytes.IndexByte(p.src[start:], '\n'); e >= 0 {
		p.end = start + e
	}
	i := start
	for i < p.end && p.src[i] == ' ' {
		i++
	}
	p.ind = i - start
}

func (p *fastParser) nextLine() {
	p.line++
	p.setLine(p.end + 1)
}

// skipToContent moves past blank and comment lines. A document marker
// there ("---" cannot be: documents cut at it; "..." ends a document) is
// yaml.v3's.
func (p *fastParser) skipToContent() {
	for !p.eof {
		i := p.start + p.ind
		if i < p.end && p.src[i] != '#' {
			if p.ind == 0 && (bytes.HasPrefix(p.src[i:], []byte("---")) || bytes.HasPrefix(p.src[i:], []byte("..."))) {
				decline()
			}
			return
		}
		p.nextLine()
	}
}

// next moves to the next content line.
func (p *fastParser) next() {
	p.nextLine()
	p.skipToContent()
}

// endOfLine tells whether only spaces and a comment follow off on the
// current line. A comment must follow a space.
func (p *fastParser) endOfLine(off int) bool {
	i := off
	for i < p.end && p.src[i] == ' ' {
		i++
	}
	return i == p.end || (p.src[i] == '#' && i > 0 && p.src[i-1] == ' ')
}

func (p *fastParser) skipSpaces(off int) int {
	for off < p.end && p.src[off] == ' ' {
		off++
	}
	return off
}

// isSeqEntry tells whether a block sequence entry ("-" then a space or
// the end of the line) starts at off.
func (p *fastParser) isSeqEntry(off int) bool {
	return off < p.end && p.src[off] == '-' && (off+1 == p.end || p.src[off+1] == ' ')
}

// node allocates a node at offset off of the current line; yaml.v3
// counts columns in characters.
func (p *fastParser) node(kind yaml.Kind, tag string, off int) *yaml.Node {
	n := p.alloc(kind, tag)
	n.Line, n.Column = p.line+p.shift, p.column(off)
	return n
}

func (p *fastParser) alloc(kind yaml.Kind, tag string) *yaml.Node {
	n := p.a.node()
	n.Kind, n.Tag = kind, tag
	return n
}

// column is the 1-based column of offset off of the current line.
func (p *fastParser) column(off int) int {
	return utf8.RuneCount(p.src[p.start:off]) + 1
}

// block reads the block node that starts on the current line, at its
// indentation: a sequence or a mapping.
func (p *fastParser) block() *yaml.Node {
	if p.depth++; p.depth > fastMaxDepth {
		decline()
	}
	defer func() { p.depth-- }()
	if off := p.start + p.ind; p.isSeqEntry(off) {
		return p.sequence(p.ind)
	}
	return p.mapping(p.ind, p.start+p.ind)
}
