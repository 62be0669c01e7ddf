package kit

import (
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
)

// validSet remembers the strings a pure validator accepted, so that the
// same namespace, label or port name met in thousands of rules is matched
// against the validator's regular expressions once. Only accepted strings
// are kept: a rejected one is validated again each time, so its messages
// are the validator's own.
type validSet struct {
	check func(string) []string
	mu    sync.RWMutex
	ok    map[string]bool
}

// newValidSet remembers the strings check accepts.
func newValidSet(check func(string) []string) *validSet {
	return &validSet{check: check, ok: map[string]bool{}}
}

// known reports whether s was accepted before.
func (v *validSet) known(s string) bool {
	v.mu.RLock()
	ok := v.ok[s]
	v.mu.RUnlock()
	return ok
}

// remember records that s is valid.
func (v *validSet) remember(s string) {
	v.mu.Lock()
	v.ok[s] = true
	v.mu.Unlock()
}

// validate is check(s), from memory when s was accepted before.
func (v *validSet) validate(s string) []string {
	if v.known(s) {
		return nil
	}
	msgs := v.check(s)
	if len(msgs) == 0 {
		v.remember(s)
	}
	return msgs
}

// The validators the emitters call once per rule or object.
var (
	validNamespaces = newValidSet(validation.IsDNS1123Label)
	validPortNames  = newValidSet(validation.IsValidPortName)
	// validLabels are the label keys and values of the matchLabels of
	// selectors ValidateLabelSelector accepted. Key and value are kept
	// as one pair: ValidateLabels checks each pair on its own.
	validLabels = &labelSet{ok: map[labelPair]bool{}}
)

// labelPair is a matchLabels entry.
type labelPair struct{ key, value string }

// labelSet remembers matchLabels entries found valid.
type labelSet struct {
	mu sync.RWMutex
	ok map[labelPair]bool
}

// knownSelector reports whether sel is only matchLabels, every entry of
// them accepted before: ValidateLabelSelector would find nothing wrong.
func (l *labelSet) knownSelector(sel *metav1.LabelSelector) bool {
	if len(sel.MatchExpressions) > 0 {
		return false
	}
	l.mu.RLock()
	defer l.mu.RUnlock()
	for k, v := range sel.MatchLabels {
		if !l.ok[labelPair{k, v}] {
			return false
		}
	}
	return true
}

// remember records the matchLabels of a selector found valid.
func (l *labelSet) remember(sel *metav1.LabelSelector) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for k, v := range sel.MatchLabels {
		l.ok[labelPair{k, v}] = true
	}
}
