package manifests

import (
	"errors"
	"fmt"

	"github.com/netpolc/netpolc/internal/diag"
)

// The causes of the problems Load and Parse report: every problem is a
// *diag.Diagnostic whose Err is one of these (test them with errors.Is).
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
	// ErrLimit is input larger than a bound of internal/limits: too many
	// bytes, documents or objects, or aliases that expand too far.
	ErrLimit = errors.New("input too large")
)

// problem is the diagnostic of one problem at pos. Path names the object
// ("Kind namespace/name") and, after a space, the field within it when
// known ("NetworkPolicy shop/web spec.ingress[0]").
func problem(pos diag.Pos, path string, cause error, hint, format string, args ...any) *diag.Diagnostic {
	return &diag.Diagnostic{
		Severity: diag.Error,
		Pos:      pos,
		Path:     path,
		Msg:      fmt.Sprintf(format, args...),
		Hint:     hint,
		Err:      cause,
	}
}

// objectPath is the Path of a problem at field (a path such as
// spec.ingress[0].from, or "") of the object labelled label.
func objectPath(label, field string) string {
	if field == "" {
		return label
	}
	if label == "" {
		return field
	}
	return label + " " + field
}

// result is what Load and Parse return: the Set, or nil and a diag.List
// of every problem sorted by position.
func result(s *Set, errs diag.List) (*Set, error) {
	if err := errs.Errors(); err != nil {
		return nil, err
	}
	return s, nil
}
