// Package diag is netpolc's one error type: a finding that points at a
// position in the user's input (file:line:col), names the CUE path or
// object path, says what is wrong and what to do about it. Every stage —
// loading and compiling intents, emitting and interpreting targets, the
// equivalence proof, reading manifests and git revisions, lint — reports
// user errors this way. All findings of a run are collected and printed
// together, sorted by position, like `cue vet`.
package diag

import (
	"cmp"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Severity says whether a finding stops the run.
type Severity int

// Severities.
const (
	Error Severity = iota
	Warning
)

// Pos is a position in a user file. Line and Col are 1-based; zero means
// unknown.
type Pos struct {
	File string
	Line int
	Col  int
}

// String renders the position as file:line:col (or less when unknown).
func (p Pos) String() string {
	switch {
	case p.File == "":
		return ""
	case p.Line == 0:
		return p.File
	case p.Col == 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Compare orders positions by file, line and column (-1, 0 or +1).
func (p Pos) Compare(q Pos) int {
	return cmp.Or(cmp.Compare(p.File, q.File), cmp.Compare(p.Line, q.Line), cmp.Compare(p.Col, q.Col))
}

// Diagnostic is one finding.
type Diagnostic struct {
	Severity Severity
	Pos      Pos
	// Path is the CUE path of the offending value, e.g.
	// namespaces.shop.workloads.web.ports.http.
	Path string
	Msg  string
	// Hint says what to do about it.
	Hint string
	// Err is the cause, for errors.Is and errors.As; it is not printed
	// (Msg says it).
	Err error
}

// Error renders the diagnostic as "file:line:col: path: message (hint)".
func (d *Diagnostic) Error() string {
	var b strings.Builder
	if s := d.Pos.String(); s != "" {
		b.WriteString(s)
		b.WriteString(": ")
	}
	if d.Severity == Warning {
		b.WriteString("warning: ")
	}
	if d.Path != "" {
		b.WriteString(d.Path)
		b.WriteString(": ")
	}
	b.WriteString(d.Msg)
	if d.Hint != "" {
		b.WriteString("\n    hint: ")
		b.WriteString(d.Hint)
	}
	return b.String()
}

// List is a set of diagnostics; as an error it prints them all, sorted.
type List []*Diagnostic

// Add appends an error diagnostic.
func (l *List) Add(pos Pos, path, hint, format string, args ...any) {
	*l = append(*l, &Diagnostic{Severity: Error, Pos: pos, Path: path, Msg: fmt.Sprintf(format, args...), Hint: hint})
}

// Warn appends a warning diagnostic.
func (l *List) Warn(pos Pos, path, hint, format string, args ...any) {
	*l = append(*l, &Diagnostic{Severity: Warning, Pos: pos, Path: path, Msg: fmt.Sprintf(format, args...), Hint: hint})
}

// Errors returns only the error-severity diagnostics, or nil when there are
// none, so callers can write `if err := l.Errors(); err != nil`.
func (l List) Errors() error {
	var out List
	for _, d := range l {
		if d.Severity == Error {
			out = append(out, d)
		}
	}
	if len(out) == 0 {
		return nil
	}
	out.Sort()
	return out
}

// Warnings returns the warning-severity diagnostics, sorted.
func (l List) Warnings() List {
	var out List
	for _, d := range l {
		if d.Severity == Warning {
			out = append(out, d)
		}
	}
	out.Sort()
	return out
}

// Sort orders by file, line, column, then message; duplicates are kept.
func (l List) Sort() {
	sort.SliceStable(l, func(i, j int) bool {
		if c := l[i].Pos.Compare(l[j].Pos); c != 0 {
			return c < 0
		}
		return l[i].Msg < l[j].Msg
	})
}

// Error prints every diagnostic on its own line(s).
func (l List) Error() string {
	parts := make([]string, len(l))
	for i, d := range l {
		parts[i] = d.Error()
	}
	return strings.Join(parts, "\n")
}

// Unwrap exposes the diagnostics to errors.Is/As.
func (l List) Unwrap() []error {
	out := make([]error, len(l))
	for i, d := range l {
		out[i] = d
	}
	return out
}

// ErrInput marks errors caused by the user's input (exit code 2).
var ErrInput = errors.New("invalid input")

// Is reports List and Diagnostic errors as input errors.
func (l List) Is(target error) bool { return target == ErrInput }

// Is reports a Diagnostic as an input error.
func (d *Diagnostic) Is(target error) bool { return target == ErrInput }

// Unwrap exposes the cause.
func (d *Diagnostic) Unwrap() error { return d.Err }

// Errorf is an input error with no position (a bad flag value, say),
// printed as "message\n    hint: hint".
func Errorf(hint, format string, args ...any) *Diagnostic {
	err := fmt.Errorf(format, args...)
	return &Diagnostic{Severity: Error, Msg: err.Error(), Hint: hint, Err: errors.Unwrap(err)}
}

// Collect gathers every diagnostic in err (a Diagnostic, a List, or
// errors joined or wrapped around them), sorted. An error that carries no
// diagnostic becomes one without position; text that wrappers added
// around a List is dropped, since the diagnostics say everything. Collect
// of nil is nil.
func Collect(err error) List {
	if err == nil {
		return nil
	}
	var out List
	collect(err, &out)
	if len(out) == 0 {
		out = List{{Severity: Error, Msg: err.Error(), Err: err}}
	}
	out.Sort()
	return out
}

func collect(err error, out *List) {
	switch e := err.(type) {
	case List:
		*out = append(*out, e...)
		return
	case *Diagnostic:
		*out = append(*out, e)
		return
	case interface{ Unwrap() []error }:
		if hasDiagnostic(err) {
			for _, inner := range e.Unwrap() {
				collect(inner, out)
			}
			return
		}
	default:
		if inner := errors.Unwrap(err); inner != nil && hasDiagnostic(inner) {
			collect(inner, out)
			return
		}
	}
	*out = append(*out, &Diagnostic{Severity: Error, Msg: err.Error(), Err: err})
}

// hasDiagnostic reports whether err is or wraps a Diagnostic or List.
func hasDiagnostic(err error) bool {
	var d *Diagnostic
	var l List
	return errors.As(err, &d) || errors.As(err, &l)
}
