package calico

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The grammar is Calico's (libcalico-go/lib/selector/tokenizer/tokenizer.go
// and parser/parser.go): terms k == 'v', k != 'v', k in {...},
// k not in {...} (also "notin"), has(k), all() and global(), negated by any
// number of "!", joined by && (binding tighter) and ||, with parentheses;
// strings in single or double quotes without escapes; labels of ASCII
// letters, digits and "_./-", at most 512 bytes; blanks are spaces and
// tabs only. Evaluation (parser/ast.go): == and in need the label, != and
// not in also hold without it, global() holds everywhere. The operators
// contains, starts with and ends with are refused: a Kubernetes label
// selector, which the model evaluates, cannot express them.

// maxLabel is the longest label Calico's tokenizer accepts.
const maxLabel = 512

// maxDisjuncts bounds the disjunctive form of one selector.
const maxDisjuncts = 256

// ParseSelector reads a Calico selector expression into its disjunctive
// form: the expression matches when any of the returned label selectors
// does (none: it matches nothing). An empty expression matches
// everything.
func ParseSelector(s string) ([]metav1.LabelSelector, error) {
	return parseWith(s, "", nil, nil)
}

// parseNamespaceSelector reads a rule's namespaceSelector as Calico applies
// it to endpoints (libcalico-go/lib/backend/syncersv1/updateprocessors/
// rules.go, getEndpointSelector): every label gets the "pcns." prefix of
// the namespace labels endpoints inherit, all() becomes
// has(projectcalico.org/namespace) and global() its negation.
func parseNamespaceSelector(s string) ([]metav1.LabelSelector, error) {
	inNS := &term{key: labelNamespace, op: metav1.LabelSelectorOpExists}
	outNS := &term{key: labelNamespace, op: metav1.LabelSelectorOpDoesNotExist}
	return parseWith(s, namespaceLabelPrefix, inNS, outNS)
}

// parseWith parses s, prefixing every label; all and global, when set,
// replace all() and global().
func parseWith(s, prefix string, all, global *term) ([]metav1.LabelSelector, error) {
	p := &parser{src: s, prefix: prefix, all: all, global: global}
	if p.skip(); p.pos == len(p.src) {
		return []metav1.LabelSelector{{}}, nil
	}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.skip(); p.pos < len(p.src) {
		return nil, p.errorf("unexpected %q", p.src[p.pos:])
	}
	out, err := dnf(n, false)
	if err != nil {
		return nil, unsupported("selector %q: %v", s, err)
	}
	return out, nil
}

// node is a parsed expression: and, or and not have kids; a leaf is a
// term, or true (all(), global()).
type node struct {
	op   string // "and", "or", "not", "term", "true"
	kids []*node
	term *term
}

// term is one label requirement. In and NotIn hold values (possibly
// none: k in {} matches nothing).
type term struct {
	key    string
	op     metav1.LabelSelectorOperator
	values []string
}

type parser struct {
	src, prefix string
	all, global *term
	pos         int
}

func (p *parser) errorf(format string, args ...any) error {
	return invalid("selector %q: at %d: %s", p.src, p.pos, fmt.Sprintf(format, args...))
}

func (p *parser) skip() {
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t') {
		p.pos++
	}
}

// eat consumes tok if it comes next.
func (p *parser) eat(tok string) bool {
	p.skip()
	if strings.HasPrefix(p.src[p.pos:], tok) {
		p.pos += len(tok)
		return true
	}
	return false
}

// word consumes w if it comes next and ends at a word boundary.
func (p *parser) word(w string) bool {
	p.skip()
	rest := p.src[p.pos:]
	if !strings.HasPrefix(rest, w) || (len(rest) > len(w) && labelChar(rest[len(w)])) {
		return false
	}
	p.pos += len(w)
	return true
}

func (p *parser) or() (*node, error) {
	n, err := p.and()
	if err != nil {
		return nil, err
	}
	out := &node{op: "or", kids: []*node{n}}
	for p.eat("||") {
		if n, err = p.and(); err != nil {
			return nil, err
		}
		out.kids = append(out.kids, n)
	}
	return out, nil
}

func (p *parser) and() (*node, error) {
	n, err := p.operation()
	if err != nil {
		return nil, err
	}
	out := &node{op: "and", kids: []*node{n}}
	for p.eat("&&") {
		if n, err = p.operation(); err != nil {
			return nil, err
		}
		out.kids = append(out.kids, n)
	}
	return out, nil
}

// operation reads a term, all(), global() or a parenthesised expression,
// after any number of "!" ("!=" is an operator, not a negation).
func (p *parser) operation() (*node, error) {
	negated := false
	for p.skip(); strings.HasPrefix(p.src[p.pos:], "!") && !strings.HasPrefix(p.src[p.pos:], "!="); p.skip() {
		negated = !negated
		p.pos++
	}
	n, err := p.leaf()
	if err != nil || !negated {
		return n, err
	}
	return &node{op: "not", kids: []*node{n}}, nil
}

func (p *parser) leaf() (*node, error) {
	switch {
	case p.eat("("):
		n, err := p.or()
		if err == nil && !p.eat(")") {
			err = p.errorf("missing )")
		}
		return n, err
	case p.call("all"):
		return p.special(p.all), nil
	case p.call("global"):
		return p.special(p.global), nil
	case p.eat("has("):
		p.skip()
		key := p.key()
		if key == "" || !p.eat(")") {
			return nil, p.errorf("bad has()")
		}
		return &node{op: "term", term: &term{key: p.prefix + key, op: metav1.LabelSelectorOpExists}}, nil
	}
	key := p.key()
	if key == "" {
		return nil, p.errorf("expected a label")
	}
	return p.comparison(p.prefix + key)
}

// call consumes name(), blanks allowed inside the parentheses.
func (p *parser) call(name string) bool {
	start := p.pos
	if p.eat(name+"(") && p.eat(")") {
		return true
	}
	p.pos = start
	return false
}

// special is all() or global(): true, unless a namespace selector maps
// it to a term.
func (p *parser) special(t *term) *node {
	if t == nil {
		return &node{op: "true"}
	}
	return &node{op: "term", term: t}
}

// comparison reads the operator and value after a label.
func (p *parser) comparison(key string) (*node, error) {
	var op metav1.LabelSelectorOperator
	switch {
	case p.eat("=="):
		op = metav1.LabelSelectorOpIn
	case p.eat("!="):
		op = metav1.LabelSelectorOpNotIn
	case p.notIn():
		return p.set(key, metav1.LabelSelectorOpNotIn)
	case p.word("in"):
		return p.set(key, metav1.LabelSelectorOpIn)
	case p.word("contains"), p.word("starts"), p.word("ends"):
		return nil, unsupported("selector %q: substring operators (a Kubernetes label selector cannot express them)", p.src)
	default:
		return nil, p.errorf("expected ==, !=, in or not in after %q", key)
	}
	v, err := p.str()
	if err != nil {
		return nil, err
	}
	return &node{op: "term", term: &term{key: key, op: op, values: []string{v}}}, nil
}

// notIn consumes "not in" (any blanks between, or none).
func (p *parser) notIn() bool {
	start := p.pos
	if p.eat("not") && p.word("in") {
		return true
	}
	p.pos = start
	return false
}

// set reads {'a', 'b'} (a trailing comma allowed).
func (p *parser) set(key string, op metav1.LabelSelectorOperator) (*node, error) {
	if !p.eat("{") {
		return nil, p.errorf("expected {")
	}
	var values []string
	for p.skip(); p.pos < len(p.src) && (p.src[p.pos] == '\'' || p.src[p.pos] == '"'); p.skip() {
		v, err := p.str()
		if err != nil {
			return nil, err
		}
		values = append(values, v)
		if !p.eat(",") {
			break
		}
	}
	if !p.eat("}") {
		return nil, p.errorf("expected }")
	}
	slices.Sort(values)
	return &node{op: "term", term: &term{key: key, op: op, values: slices.Compact(values)}}, nil
}

// key reads a label.
func (p *parser) key() string {
	p.skip()
	start := p.pos
	for p.pos < len(p.src) && labelChar(p.src[p.pos]) {
		p.pos++
	}
	if p.pos-start > maxLabel {
		p.pos = start
		return ""
	}
	return p.src[start:p.pos]
}

func labelChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '/' || c == '-'
}

// str reads a quoted string.
func (p *parser) str() (string, error) {
	p.skip()
	if p.pos >= len(p.src) || (p.src[p.pos] != '\'' && p.src[p.pos] != '"') {
		return "", p.errorf("expected a quoted value")
	}
	q := p.src[p.pos]
	end := strings.IndexByte(p.src[p.pos+1:], q)
	if end < 0 {
		return "", p.errorf("unterminated string")
	}
	v := p.src[p.pos+1 : p.pos+1+end]
	p.pos += end + 2
	return v, nil
}

// dnf is n (negated when neg) in disjunctive form: a list of conjunctions
// of requirements.
func dnf(n *node, neg bool) ([]metav1.LabelSelector, error) {
	switch n.op {
	case "true":
		if neg {
			return nil, nil
		}
		return []metav1.LabelSelector{{}}, nil
	case "term":
		return termDNF(*n.term, neg), nil
	case "not":
		return dnf(n.kids[0], !neg)
	}
	// De Morgan: a negated "and" is an "or" of negations, and so on.
	if (n.op == "or") != neg {
		var out []metav1.LabelSelector
		for _, k := range n.kids {
			d, err := dnf(k, neg)
			if err != nil {
				return nil, err
			}
			out = append(out, d...)
		}
		return out, bounded(out)
	}
	out := []metav1.LabelSelector{{}}
	for _, k := range n.kids {
		d, err := dnf(k, neg)
		if err != nil {
			return nil, err
		}
		var prod []metav1.LabelSelector
		for _, a := range out {
			for _, b := range d {
				prod = append(prod, conjoin(a, b))
			}
		}
		if out = prod; bounded(out) != nil {
			return nil, bounded(out)
		}
	}
	return out, nil
}

func bounded(out []metav1.LabelSelector) error {
	if len(out) > maxDisjuncts {
		return fmt.Errorf("more than %d alternatives", maxDisjuncts)
	}
	return nil
}

// termDNF is one requirement, or its complement: in and not in, has and
// !has are each other's; k in {} matches nothing and k not in {}
// everything.
func termDNF(t term, neg bool) []metav1.LabelSelector {
	if neg {
		t.op = map[metav1.LabelSelectorOperator]metav1.LabelSelectorOperator{
			metav1.LabelSelectorOpIn: metav1.LabelSelectorOpNotIn, metav1.LabelSelectorOpNotIn: metav1.LabelSelectorOpIn,
			metav1.LabelSelectorOpExists: metav1.LabelSelectorOpDoesNotExist, metav1.LabelSelectorOpDoesNotExist: metav1.LabelSelectorOpExists,
		}[t.op]
	}
	switch {
	case len(t.values) > 0 || t.op == metav1.LabelSelectorOpExists || t.op == metav1.LabelSelectorOpDoesNotExist:
		return []metav1.LabelSelector{{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: t.key, Operator: t.op, Values: t.values}}}}
	case t.op == metav1.LabelSelectorOpIn:
		return nil
	}
	return []metav1.LabelSelector{{}}
}

// conjoin is a && b. A conjunction is a set of requirements, so they are
// kept sorted (by key, operator and values) without repeats: has(k) &&
// has(k) is has(k), and two spellings of one selector parse equal.
func conjoin(a, b metav1.LabelSelector) metav1.LabelSelector {
	var out metav1.LabelSelector
	for _, s := range []metav1.LabelSelector{a, b} {
		out.MatchExpressions = append(out.MatchExpressions, s.MatchExpressions...)
		for k, v := range s.MatchLabels {
			out.MatchExpressions = append(out.MatchExpressions, metav1.LabelSelectorRequirement{
				Key: k, Operator: metav1.LabelSelectorOpIn, Values: []string{v}})
		}
	}
	slices.SortFunc(out.MatchExpressions, compareRequirements)
	out.MatchExpressions = slices.CompactFunc(out.MatchExpressions, func(x, y metav1.LabelSelectorRequirement) bool {
		return compareRequirements(x, y) == 0
	})
	return out
}

// compareRequirements orders requirements by key, operator and values
// (each requirement's values are already sorted and distinct).
func compareRequirements(x, y metav1.LabelSelectorRequirement) int {
	return cmp.Or(cmp.Compare(x.Key, y.Key), cmp.Compare(x.Operator, y.Operator), slices.Compare(x.Values, y.Values))
}
