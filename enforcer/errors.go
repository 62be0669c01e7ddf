package enforcer

import (
	"errors"
	"fmt"
)

// ErrInvalid marks a policy the API server would reject, or one the model
// cannot read (bad selector, CIDR or port).
var ErrInvalid = errors.New("invalid policy")

// ErrUnsupported marks a construct the model cannot evaluate exactly (FQDN
// peers, domain names). The model refuses it rather than guessing.
var ErrUnsupported = errors.New("unsupported by the evaluation model")

// ErrUnknownEndpoint is returned for a verdict or lookup naming an endpoint
// that is not in the inventory.
var ErrUnknownEndpoint = errors.New("unknown endpoint")

// PolicyError is a problem with one field of one policy. It unwraps to
// ErrInvalid or ErrUnsupported.
type PolicyError struct {
	Policy PolicyRef
	Field  string // path inside the object, e.g. "spec.ingress[0].from[1]"
	Err    error
}

// Error renders "Kind ns/name (file:line): field: message".
func (e *PolicyError) Error() string {
	return fmt.Sprintf("%s: %s: %v", e.Policy, e.Field, e.Err)
}

// Unwrap returns the underlying error.
func (e *PolicyError) Unwrap() error { return e.Err }

// errs collects the problems of one conversion so they can be reported
// together.
type errs struct{ list []error }

// add records err, marking it ErrInvalid unless it already wraps one of
// the sentinels.
func (e *errs) add(ref PolicyRef, field string, err error) {
	if !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrUnsupported) {
		err = fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	e.list = append(e.list, &PolicyError{Policy: ref, Field: field, Err: err})
}

// addf records a formatted ErrInvalid.
func (e *errs) addf(ref PolicyRef, field string, format string, args ...any) {
	e.add(ref, field, fmt.Errorf(format, args...))
}

func (e *errs) err() error { return errors.Join(e.list...) }
