package compiler

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"unicode/utf8"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netpolc/netpolc/internal/ir"
)

// The keys normalize sorts and compares by are the JSON texts of the
// elements' fields (each followed by a NUL), as encoding/json writes them:
// their order is the IR's canonical order, and so the order of every
// emitted rule. keyBuf writes those same bytes without reflection
// (normkey_test.go checks it against encoding/json).
type keyBuf []byte

// isolationKey is the key of an isolation: its subject and direction.
func isolationKey(x *ir.Isolation) string {
	var b keyBuf
	b.subject(&x.Subject)
	b.str(string(x.Direction))
	b = append(b, 0)
	return string(b)
}

// ruleKey is the key of a rule: all but its origin.
func ruleKey(r *ir.Rule) string {
	var b keyBuf
	b.subject(&r.Subject)
	b.str(string(r.Direction))
	b = append(b, 0)
	b.peer(&r.Peer)
	b.ports(r.Ports)
	b.str(string(r.Action))
	b = append(b, 0)
	return string(b)
}

func (b *keyBuf) subject(s *ir.Subject) {
	*b = append(*b, `{"Namespace":`...)
	b.str(s.Namespace)
	*b = append(*b, `,"Pods":`...)
	b.selector(&s.Pods)
	*b = append(*b, `,"Name":`...)
	b.str(s.Name)
	*b = append(*b, '}', 0)
}

func (b *keyBuf) peer(p *ir.Peer) {
	*b = append(*b, `{"Kind":`...)
	b.str(string(p.Kind))
	*b = append(*b, `,"Namespaces":`...)
	b.selectorPtr(p.Namespaces)
	*b = append(*b, `,"Pods":`...)
	b.selectorPtr(p.Pods)
	*b = append(*b, `,"CIDRs":`...)
	if p.CIDRs == nil {
		*b = append(*b, "null"...)
	} else {
		*b = append(*b, '[')
		for i, c := range p.CIDRs {
			if i > 0 {
				*b = append(*b, ',')
			}
			*b = append(*b, `{"CIDR":`...)
			b.str(c.CIDR)
			*b = append(*b, `,"Except":`...)
			b.strs(c.Except)
			*b = append(*b, '}')
		}
		*b = append(*b, ']')
	}
	*b = append(*b, `,"FQDN":`...)
	b.str(p.FQDN)
	*b = append(*b, `,"Ref":`...)
	b.str(p.Ref)
	*b = append(*b, '}', 0)
}

func (b *keyBuf) ports(ps []ir.Port) {
	if ps == nil {
		*b = append(*b, "null"...)
	} else {
		*b = append(*b, '[')
		for i, p := range ps {
			if i > 0 {
				*b = append(*b, ',')
			}
			*b = append(*b, `{"Protocol":`...)
			b.str(p.Protocol.String()) // its MarshalText
			*b = append(*b, `,"Number":`...)
			*b = strconv.AppendInt(*b, int64(p.Number), 10)
			*b = append(*b, `,"End":`...)
			*b = strconv.AppendInt(*b, int64(p.End), 10)
			*b = append(*b, `,"Name":`...)
			b.str(p.Name)
			*b = append(*b, '}')
		}
		*b = append(*b, ']')
	}
	*b = append(*b, 0)
}

func (b *keyBuf) selectorPtr(s *metav1.LabelSelector) {
	if s == nil {
		*b = append(*b, "null"...)
		return
	}
	b.selector(s)
}

// selector is a LabelSelector by its JSON tags: both fields omitempty,
// the labels' keys sorted.
func (b *keyBuf) selector(s *metav1.LabelSelector) {
	*b = append(*b, '{')
	sep := false
	if len(s.MatchLabels) > 0 {
		*b = append(*b, `"matchLabels":{`...)
		for i, k := range slices.Sorted(maps.Keys(s.MatchLabels)) {
			if i > 0 {
				*b = append(*b, ',')
			}
			b.str(k)
			*b = append(*b, ':')
			b.str(s.MatchLabels[k])
		}
		*b = append(*b, '}')
		sep = true
	}
	if len(s.MatchExpressions) > 0 {
		if sep {
			*b = append(*b, ',')
		}
		*b = append(*b, `"matchExpressions":[`...)
		for i, e := range s.MatchExpressions {
			if i > 0 {
				*b = append(*b, ',')
			}
			*b = append(*b, `{"key":`...)
			b.str(e.Key)
			*b = append(*b, `,"operator":`...)
			b.str(string(e.Operator))
			if len(e.Values) > 0 {
				*b = append(*b, `,"values":`...)
				b.strs(e.Values)
			}
			*b = append(*b, '}')
		}
		*b = append(*b, ']')
	}
	*b = append(*b, '}')
}

func (b *keyBuf) strs(ss []string) {
	if ss == nil {
		*b = append(*b, "null"...)
		return
	}
	*b = append(*b, '[')
	for i, s := range ss {
		if i > 0 {
			*b = append(*b, ',')
		}
		b.str(s)
	}
	*b = append(*b, ']')
}

// str is a JSON string as encoding/json writes it: a string of printable
// ASCII that needs no escape directly, anything else through the package
// (its HTML-safe escapes, its replacement of invalid UTF-8).
func (b *keyBuf) str(s string) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= utf8.RuneSelf || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			data, _ := json.Marshal(s)
			*b = append(*b, data...)
			return
		}
	}
	*b = append(*b, '"')
	*b = append(*b, s...)
	*b = append(*b, '"')
}
