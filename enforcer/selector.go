package enforcer

import (
	"fmt"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
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
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	return s, nil
}

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
