package intent

import (
	"fmt"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/token"

	"github.com/netpolc/netpolc/internal/diag"
)

// Pos converts a CUE position into a user-facing one: files of the intents
// directory are shown as the user named them, the embedded packages as
// <netpolc.dev/...>.
func (s *Set) Pos(p token.Pos) diag.Pos {
	if !p.IsValid() {
		return diag.Pos{}
	}
	return diag.Pos{File: s.fileName(p.Filename()), Line: p.Line(), Col: p.Column()}
}

func (s *Set) fileName(f string) string {
	pkgDir := path.Join(virtualRoot, "cue.mod", "pkg") + "/"
	switch {
	case strings.HasPrefix(f, pkgDir):
		return "<" + strings.TrimPrefix(f, pkgDir) + ">"
	case strings.HasPrefix(f, virtualRoot+"/"):
		return displayPath(s.Dir, strings.TrimPrefix(f, virtualRoot+"/"))
	}
	return f
}

// UserPos finds the position the user wrote for a value of s.Value by
// looking its path up in the package as written, before the schema's
// positions were unified in. It returns false when the user wrote no value
// there (a default or a template's output).
func (s *Set) UserPos(v cue.Value) (diag.Pos, bool) {
	sels := v.Path().Selectors()
	if len(sels) > 0 && sels[0].IsDefinition() {
		sels = sels[1:]
	}
	rv := s.raw.LookupPath(cue.MakePath(sels...))
	if !rv.Exists() {
		return diag.Pos{}, false
	}
	p := s.Pos(rv.Pos())
	return p, s.IsUserFile(p.File)
}

// IsUserFile reports whether a display path is one of the intents files
// (as opposed to an embedded schema or template file).
func (s *Set) IsUserFile(file string) bool {
	return file != "" && !strings.HasPrefix(file, "<")
}

func inputErr(file, msg, hint string) error {
	return diag.List{{Pos: diag.Pos{File: filepath.ToSlash(file)}, Msg: msg, Hint: hint}}
}

// convert turns CUE errors into diagnostics, preferring positions in the
// user's files over positions in the embedded schema.
func (s *Set) convert(err error) diag.List {
	var out diag.List
	seen := map[string]bool{}
	for _, e := range cueerrors.Errors(err) {
		pos, inSchema := s.bestPos(e)
		if pos.File == "" {
			pos.File = filepath.ToSlash(s.Dir)
		}
		format, args := e.Msg()
		msg := strings.ReplaceAll(fmt.Sprintf(format, args...), virtualRoot+"/", s.dirPrefix())
		if inSchema.File != "" {
			msg += " (reported at " + inSchema.String() + ")"
		}
		d := &diag.Diagnostic{Pos: pos, Path: PathString(strings.Join(e.Path(), ".")), Msg: msg, Hint: hintFor(msg)}
		if key := d.Error(); !seen[key] {
			seen[key] = true
			out = append(out, d)
		}
	}
	if len(out) == 0 {
		out.Add(diag.Pos{File: filepath.ToSlash(s.Dir)}, "", "", "%v", err)
	}
	out.Sort()
	return out
}

// bestPos is where an error is best shown: a position in the user's files
// if the error has one, else where the user wrote the value at the
// error's path (or the nearest value above it), else the first top-level
// embedding (which can close the whole package), else the package clause.
// When the error's own position is in the embedded schema or templates,
// that is returned too, for the message.
func (s *Set) bestPos(e cueerrors.Error) (pos, inSchema diag.Pos) {
	candidates := append([]token.Pos{e.Position()}, e.InputPositions()...)
	for _, p := range candidates {
		dp := s.Pos(p)
		if dp.File == "" {
			continue
		}
		if s.IsUserFile(dp.File) {
			return dp, diag.Pos{}
		}
		if inSchema.File == "" {
			inSchema = dp
		}
	}
	if p, ok := s.pathPos(e.Path()); ok {
		return p, inSchema
	}
	if p, ok := s.topPos(); ok {
		return p, inSchema
	}
	return inSchema, diag.Pos{}
}

// pathPos finds where the user wrote the value at a CUE error's path, or
// the nearest value above it: a self-reference or a structural cycle
// reports the schema's position or none at all.
func (s *Set) pathPos(path []string) (diag.Pos, bool) {
	if !s.raw.Exists() {
		return diag.Pos{}, false
	}
	if len(path) > 0 && path[0] == "#Intents" {
		path = path[1:]
	}
	sels := make([]cue.Selector, 0, len(path))
	for _, p := range path {
		sel, ok := selectorOf(p)
		if !ok {
			break
		}
		sels = append(sels, sel)
	}
	for n := len(sels); n > 0; n-- {
		v := s.raw.LookupPath(cue.MakePath(sels[:n]...))
		if !v.Exists() {
			continue
		}
		if p := s.Pos(v.Pos()); s.IsUserFile(p.File) {
			return p, true
		}
	}
	return diag.Pos{}, false
}

// selectorOf reads one element of an error's path.
func selectorOf(p string) (cue.Selector, bool) {
	switch {
	case p == "" || strings.HasPrefix(p, "_"):
		return cue.Selector{}, false // hidden: needs its package
	case strings.HasPrefix(p, "#"):
		return cue.Def(p), true
	}
	if n, err := strconv.Atoi(p); err == nil && n >= 0 {
		return cue.Index(n), true
	}
	return cue.Str(p), true
}

// topPos is the first top-level embedding of the user's files, else the
// first package clause.
func (s *Set) topPos() (diag.Pos, bool) {
	var pkg diag.Pos
	for _, name := range sortedNames(s.syntax) {
		for _, d := range s.syntax[name].Decls {
			switch d := d.(type) {
			case *ast.EmbedDecl:
				return s.Pos(d.Pos()), true
			case *ast.Package:
				if pkg.File == "" {
					pkg = s.Pos(d.Pos())
				}
			}
		}
	}
	return pkg, pkg.File != ""
}

// PathString shows a CUE path the way the user wrote it, without the
// schema definition the intents are unified with.
func PathString(p string) string { return strings.TrimPrefix(p, "#Intents.") }

// hintFor suggests a fix for the CUE messages users meet most.
func hintFor(msg string) string {
	switch {
	case strings.Contains(msg, "structural cycle"):
		return "a value contains itself without end (such as #T: {x: #T}); make the recursive field optional (x?: #T) or end the recursion"
	case strings.Contains(msg, "cycle"):
		return "a field refers to itself, directly or through other fields; give it a value that does not depend on itself"
	case strings.Contains(msg, "not allowed"):
		return "unknown field: check its spelling against the intent language reference in the README"
	case strings.Contains(msg, "mismatched types"), strings.Contains(msg, "conflicting values"):
		return "the value has the wrong type or conflicts with another definition of the same field"
	case strings.Contains(msg, "incomplete value"), strings.Contains(msg, "non-concrete"):
		return "a required field is missing or has no concrete value"
	case strings.Contains(msg, "invalid value"), strings.Contains(msg, "out of bound"):
		return "the value is outside what the schema accepts"
	case strings.Contains(msg, "no package name"), strings.Contains(msg, "found packages"):
		return "start every intents file with the same `package NAME` clause"
	case strings.Contains(msg, "imported and not used"):
		return "remove the import, or use it"
	case strings.Contains(msg, "cannot find package"), strings.Contains(msg, "import"):
		return "the built-in templates are imported as \"netpolc.dev/templates\""
	}
	return ""
}
