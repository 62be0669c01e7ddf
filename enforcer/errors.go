package enforcer

import (
	"errors"
	"fmt"

	"github.com/netpolc/netpolc/internal/diag"
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

// errs collects the problems of one conversion so they can be reported
// together, as diagnostics at the policy's position (its YAML object, or
// the intent it came from) with the object path of the field.
type errs struct{ list diag.List }

// add records err, marking it ErrInvalid unless it already wraps one of
// the sentinels.
func (e *errs) add(ref PolicyRef, field string, err error) {
	if !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrUnsupported) {
		err = fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	name := ref.Name
	if ref.Namespace != "" {
		name = ref.Namespace + "/" + ref.Name
	}
	d := &diag.Diagnostic{Severity: diag.Error, Pos: ref.Source, Path: ref.Kind + " " + name + " " + field, Msg: err.Error(), Err: err}
	if errors.Is(err, ErrUnsupported) {
		d.Hint = "the evaluation model refuses what it cannot evaluate exactly rather than guess"
	}
	e.list = append(e.list, d)
}

// addf records a formatted ErrInvalid.
func (e *errs) addf(ref PolicyRef, field string, format string, args ...any) {
	e.add(ref, field, fmt.Errorf(format, args...))
}

// err is every problem recorded, sorted by position, or nil.
func (e *errs) err() error {
	if len(e.list) == 0 {
		return nil
	}
	e.list.Sort()
	return e.list
}
