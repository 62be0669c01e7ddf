package manifests

import (
	"cmp"
	"errors"
	"slices"

	"github.com/netpolc/netpolc/internal/diag"
)

// The kinds of problem an *Error reports; test them with errors.Is.
var (
	// ErrRead is a file or directory that could not be read.
	ErrRead = errors.New("cannot read")
	// ErrSyntax is text that is not valid YAML (or JSON).
	ErrSyntax = errors.New("invalid YAML")
	// ErrInvalid is an object that does not decode as its kind, or a
	// field with a value netpolc cannot use.
	ErrInvalid = errors.New("invalid object")
	// ErrDuplicate is an object, or an endpoint name, defined twice.
	ErrDuplicate = errors.New("duplicate object")
)

// Error is one problem in the input, at a position. Load and Parse return
// all of a run's problems joined (errors.Join), sorted by position.
type Error struct {
	Source diag.Pos
	// Object names the object, as "Kind namespace/name", when known.
	Object string
	// Msg says what is wrong and, where it helps, what to do about it.
	Msg string
	// Err is one of ErrRead, ErrSyntax, ErrInvalid and ErrDuplicate, or
	// wraps it.
	Err error
}

// Error renders the problem as "file:line:col: Object: Msg".
func (e *Error) Error() string {
	s := e.Source.String() + ": "
	if e.Object != "" {
		s += e.Object + ": "
	}
	return s + e.Msg
}

// Unwrap returns the kind of problem.
func (e *Error) Unwrap() error { return e.Err }

// joinErrors sorts errs by position and joins them; nil when empty.
func joinErrors(errs []*Error) error {
	if len(errs) == 0 {
		return nil
	}
	slices.SortStableFunc(errs, func(a, b *Error) int {
		return cmp.Or(
			cmp.Compare(a.Source.File, b.Source.File),
			cmp.Compare(a.Source.Line, b.Source.Line),
			cmp.Compare(a.Source.Col, b.Source.Col),
			cmp.Compare(a.Msg, b.Msg),
		)
	})
	all := make([]error, len(errs))
	for i, e := range errs {
		all[i] = e
	}
	return errors.Join(all...)
}
