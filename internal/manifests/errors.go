package manifests

import (
	"errors"
	"fmt"

	"github.com/netpolc/netpolc/internal/diag"
)

// The causes of the problems Load and Parse report: every problem is a
// *diag.Diagnostic whose Err is one of these (test them with errors.Is).
var (
	// errRead is a file or directory that could not be read.
	errRead = errors.New("cannot read")
	// errSyntax is text that is not valid YAML (or JSON).
	errSyntax = errors.New("invalid YAML")
	// errInvalid is an object that does not decode as its kind, or a
	// field with a value netpolc cannot use.
	errInvalid = errors.New("invalid object")
	// errDuplicate is an object, or an endpoint name, defined twice.
	errDuplicate = errors.New("duplicate object")
	// errLimit is input larger than a bound of internal/limits: too many
	// bytes, documents or objects, or aliases that expand too far.
	errLimit = errors.New("input too large")
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
