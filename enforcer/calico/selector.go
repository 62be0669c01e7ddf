package calico

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"unicode"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ParseSelector reads a Calico selector expression into its disjunctive
// form: the expression matches when any of the returned label selectors
// does. It supports the terms k == 'v', k != 'v', k in {...},
// k not in {...}, has(k), !has(k) and all(), joined by && and ||, with
// parentheses (an || inside an && is distributed).
func ParseSelector(s string) ([]metav1.LabelSelector, error) {
	p := &parser{src: s}
	if strings.TrimSpace(s) == "" {
		return []metav1.LabelSelector{{}}, nil
	}
	out, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.skip(); p.pos < len(p.src) {
		return nil, p.errorf("unexpected %q", p.src[p.pos:])
	}
	return out, nil
}

type parser struct {
	src string
	pos int
}

func (p *parser) errorf(format string, args ...any) error {
	return invalid("selector %q: at %d: %s", p.src, p.pos, fmt.Sprintf(format, args...))
}

func (p *parser) skip() {
	for p.pos < len(p.src) && unicode.IsSpace(rune(p.src[p.pos])) {
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

func (p *parser) or() ([]metav1.LabelSelector, error) {
	out, err := p.and()
	for err == nil && p.eat("||") {
		var more []metav1.LabelSelector
		more, err = p.and()
		out = append(out, more...)
	}
	return out, err
}

func (p *parser) and() ([]metav1.LabelSelector, error) {
	out, err := p.factor()
	for err == nil && p.eat("&&") {
		var next []metav1.LabelSelector
		if next, err = p.factor(); err != nil {
			break
		}
		var prod []metav1.LabelSelector
		for _, a := range out {
			for _, b := range next {
				prod = append(prod, conjoin(a, b))
			}
		}
		out = prod
	}
	return out, err
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

func (p *parser) factor() ([]metav1.LabelSelector, error) {
	switch {
	case p.eat("("):
		out, err := p.or()
		if err == nil && !p.eat(")") {
			err = p.errorf("missing )")
		}
		return out, err
	case p.eat("all()"):
		return []metav1.LabelSelector{{}}, nil
	case p.eat("!has("):
		return p.has(metav1.LabelSelectorOpDoesNotExist)
	case p.eat("has("):
		return p.has(metav1.LabelSelectorOpExists)
	}
	key := p.key()
	if key == "" {
		return nil, p.errorf("expected a label key")
	}
	var op metav1.LabelSelectorOperator
	switch {
	case p.eat("=="):
		op = metav1.LabelSelectorOpIn
	case p.eat("!="):
		op = metav1.LabelSelectorOpNotIn
	case p.eat("not in"):
		return p.set(key, metav1.LabelSelectorOpNotIn)
	case p.eat("in"):
		return p.set(key, metav1.LabelSelectorOpIn)
	default:
		return nil, p.errorf("expected ==, !=, in or not in after %q", key)
	}
	v, err := p.str()
	if err != nil {
		return nil, err
	}
	return one(key, op, v), nil
}

// has reads the rest of has(k) or !has(k).
func (p *parser) has(op metav1.LabelSelectorOperator) ([]metav1.LabelSelector, error) {
	key := p.key()
	if key == "" || !p.eat(")") {
		return nil, p.errorf("bad has()")
	}
	return one(key, op), nil
}

func one(key string, op metav1.LabelSelectorOperator, values ...string) []metav1.LabelSelector {
	return []metav1.LabelSelector{{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: key, Operator: op, Values: values}}}}
}

// set reads {'a', 'b'}.
func (p *parser) set(key string, op metav1.LabelSelectorOperator) ([]metav1.LabelSelector, error) {
	if !p.eat("{") {
		return nil, p.errorf("expected {")
	}
	var values []string
	for !p.eat("}") {
		if len(values) > 0 && !p.eat(",") {
			return nil, p.errorf("expected , or }")
		}
		v, err := p.str()
		if err != nil {
			return nil, err
		}
		values = append(values, v)
	}
	if len(values) == 0 {
		// k in {} matches nothing; k not in {} everything with or without k.
		if op == metav1.LabelSelectorOpIn {
			return nil, nil
		}
		return []metav1.LabelSelector{{}}, nil
	}
	// A set: order and repeats do not matter, so keep it canonical.
	slices.Sort(values)
	return one(key, op, slices.Compact(values)...), nil
}

// key reads a label key.
func (p *parser) key() string {
	p.skip()
	start := p.pos
	for p.pos < len(p.src) {
		c := rune(p.src[p.pos])
		if !unicode.IsLetter(c) && !unicode.IsDigit(c) && !strings.ContainsRune("-_./", c) {
			break
		}
		p.pos++
	}
	return p.src[start:p.pos]
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
