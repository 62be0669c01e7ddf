package enforcer

import (
	"fmt"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/api/validate/content"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"
)

// podSelector chooses pods: those in namespace (when set) or in namespaces
// matching nsSel, whose labels match pods. Neither selector is ever nil.
type podSelector struct {
	namespace string
	nsSel     labels.Selector
	pods      labels.Selector
}

// key is a canonical string for deduplication.
func (s podSelector) key() string {
	var b strings.Builder
	if s.namespace != "" {
		b.WriteString("ns=" + s.namespace)
	} else {
		b.WriteString("nssel=" + selectorKey(s.nsSel))
	}
	b.WriteString(";pods=" + selectorKey(s.pods))
	return b.String()
}

// selectorKey distinguishes Everything ("") from Nothing, which both print
// as "".
func selectorKey(s labels.Selector) string {
	if labels.MatchesNothing(s) {
		return "<nothing>"
	}
	return s.String()
}

// compileSelector turns an API selector into a labels.Selector; nil means
// everything (the callers decide what an absent selector means before
// calling).
func compileSelector(sel *metav1.LabelSelector) (labels.Selector, error) {
	if sel == nil {
		return labels.Everything(), nil
	}
	if len(sel.MatchExpressions) == 0 && validLabels(sel.MatchLabels) {
		return labels.SelectorFromValidatedSet(sel.MatchLabels), nil
	}
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	return s, nil
}

// validLabels reports whether every key and value of a matchLabels passes
// the checks metav1.LabelSelectorAsSelector makes (labels.NewRequirement:
// content.IsLabelKey, validation.IsValidLabelValue), so that the selector
// can be built without them: they build a field path per label for the
// error they might return, a third of a build's selector cost at 20,000
// workloads. Anything invalid goes the library's way, for its error.
func validLabels(m map[string]string) bool {
	for k, v := range m {
		if _, ok := validKeys.Load(k); !ok {
			if len(content.IsLabelKey(k)) > 0 {
				return false
			}
			validKeys.Store(k, true)
		}
		if len(validation.IsValidLabelValue(v)) > 0 {
			return false
		}
	}
	return true
}

// validKeys are the label keys validLabels found valid: a few, used by
// thousands of selectors.
var validKeys sync.Map

// inNamespace selects the pods matching pods in one namespace.
func inNamespace(ns string, pods *metav1.LabelSelector) (podSelector, error) {
	p, err := compileSelector(pods)
	if err != nil {
		return podSelector{}, err
	}
	return podSelector{namespace: ns, nsSel: labels.Everything(), pods: p}, nil
}

// acrossNamespaces selects the pods matching pods in every namespace
// matching namespaces (nil selectors select everything).
func acrossNamespaces(namespaces, pods *metav1.LabelSelector) (podSelector, error) {
	n, err := compileSelector(namespaces)
	if err != nil {
		return podSelector{}, err
	}
	p, err := compileSelector(pods)
	if err != nil {
		return podSelector{}, err
	}
	return podSelector{nsSel: n, pods: p}, nil
}
