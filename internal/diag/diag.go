// Package diag carries user-facing findings that point at a position in the
// user's input: errors from loading and compiling intents, and lint
// findings. All findings of a run are collected and printed together,
// sorted by position, like `cue vet`.
package diag

import (
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
		a, b := l[i], l[j]
		if a.Pos.File != b.Pos.File {
			return a.Pos.File < b.Pos.File
		}
		if a.Pos.Line != b.Pos.Line {
			return a.Pos.Line < b.Pos.Line
		}
		if a.Pos.Col != b.Pos.Col {
			return a.Pos.Col < b.Pos.Col
		}
		return a.Msg < b.Msg
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
