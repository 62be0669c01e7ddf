package intent

import (
	"strings"

	"cuelang.org/go/cue/scanner"
	"cuelang.org/go/cue/token"
)

// boundsViolation is where a file's text breaks the depth or list limit.
type boundsViolation struct {
	pos token.Pos
	// depth is true for the depth limit, false for the list limit.
	depth bool
}

// level is one open level of nesting while scanning: a bracket, or the
// value of a label (which a comma or the enclosing bracket closes).
type level struct {
	pos token.Pos
	// close is the bracket that ends the level; COLON for a label.
	close token.Token
	// interp marks the parenthesis of a string interpolation.
	interp bool
	// chain counts operators since the last comma at this level.
	chain int
	// elems counts the elements ended so far (list elements, for
	// bracket levels); content is set when the current one has a token.
	elems    int
	content  bool
	reported bool
}

// boundsScanner measures nesting on the token stream, before parsing:
// the CUE parser itself recurses once per label of `a: a: a: …` (and its
// identifier resolution overflows the Go stack at a few hundred thousand),
// so the bound must hold before the parser runs. The depth it computes
// bounds the depth of the syntax tree the parser would build: every
// bracket, every label and every operator chained in one expression
// (a | b | c, a.b.c) adds a level.
type boundsScanner struct {
	sc     scanner.Scanner
	lim    Limits
	stack  []level
	depth  int
	out    []boundsViolation
	broken bool // unbalanced brackets: the parser will report them
}

// maxListReports bounds the list findings reported per file.
const maxListReports = 10

// checkBounds scans src (named filename in positions) and returns where it
// breaks the depth and list limits: at most one depth violation (scanning
// stops there) and a few list violations.
func checkBounds(filename string, src []byte, lim Limits) []boundsViolation {
	b := &boundsScanner{lim: lim, stack: []level{{close: token.EOF}}, depth: 1}
	f := token.NewFile(filename, -1, len(src))
	// Scan errors are left to the parser, which reports them with
	// positions; the scanner recovers and goes on.
	b.sc.Init(f, src, func(token.Pos, string, []any) {}, 0)
	pendingInterp := false
	for !b.broken {
		pos, tok, _ := b.sc.Scan()
		if tok != token.COMMA && tok != token.RBRACE && tok != token.RBRACK && tok != token.RPAREN {
			b.stack[len(b.stack)-1].content = true
		}
		switch tok {
		case token.EOF:
			return b.out
		case token.INTERPOLATION:
			pendingInterp = true
		case token.LBRACE, token.LBRACK, token.LPAREN:
			b.push(level{pos: pos, close: closing(tok), interp: pendingInterp && tok == token.LPAREN})
			pendingInterp = false
		case token.RBRACE, token.RBRACK, token.RPAREN:
			pendingInterp = b.closeBracket(tok)
		case token.COLON:
			b.push(level{pos: pos, close: token.COLON})
		case token.COMMA:
			b.comma(pos)
		case token.NOT, token.PERIOD, token.FOR, token.IF, token.LET:
			b.chain(pos)
		default:
			if tok.Precedence() > token.LowestPrec {
				b.chain(pos)
			}
		}
		if len(b.out) > 0 && b.out[len(b.out)-1].depth {
			return b.out
		}
	}
	return b.out
}

func closing(open token.Token) token.Token {
	switch open {
	case token.LBRACE:
		return token.RBRACE
	case token.LBRACK:
		return token.RBRACK
	}
	return token.RPAREN
}

func (b *boundsScanner) push(l level) {
	b.stack = append(b.stack, l)
	b.depth++
	b.checkDepth(l.pos)
}

func (b *boundsScanner) pop() level {
	top := b.stack[len(b.stack)-1]
	b.stack = b.stack[:len(b.stack)-1]
	b.depth -= 1 + top.chain
	return top
}

// popLabels closes the label levels above the innermost bracket.
func (b *boundsScanner) popLabels() {
	for len(b.stack) > 1 && b.stack[len(b.stack)-1].close == token.COLON {
		b.pop()
	}
}

// closeBracket closes the innermost bracket; it reports whether a string
// interpolation continues with another interpolated expression.
func (b *boundsScanner) closeBracket(tok token.Token) bool {
	b.popLabels()
	if len(b.stack) == 1 || b.stack[len(b.stack)-1].close != tok {
		b.broken = true
		return false
	}
	b.endElem()
	if top := b.pop(); top.interp {
		return strings.HasSuffix(b.sc.ResumeInterpolation(), "(")
	}
	return false
}

// comma ends an element: label levels close, the operator chain restarts,
// and a list counts one more element.
func (b *boundsScanner) comma(pos token.Pos) {
	b.popLabels()
	top := &b.stack[len(b.stack)-1]
	b.depth -= top.chain
	top.chain = 0
	b.endElem()
}

// endElem counts the element the innermost level holds, if any, and
// reports a list over the limit once.
func (b *boundsScanner) endElem() {
	top := &b.stack[len(b.stack)-1]
	if !top.content {
		return
	}
	top.content = false
	top.elems++
	if top.close == token.RBRACK && top.elems > b.lim.List && !top.reported && len(b.out) < maxListReports {
		top.reported = true
		b.out = append(b.out, boundsViolation{pos: top.pos})
	}
}

func (b *boundsScanner) chain(pos token.Pos) {
	b.stack[len(b.stack)-1].chain++
	b.depth++
	b.checkDepth(pos)
}

func (b *boundsScanner) checkDepth(pos token.Pos) {
	if b.depth > b.lim.Depth {
		b.out = append(b.out, boundsViolation{pos: pos, depth: true})
	}
}
