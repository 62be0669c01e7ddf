// Package intent loads a directory of CUE intent files as one CUE package,
// unified with the embedded schema, and makes the built-in templates
// importable without any download. Everything is read into memory first and
// loaded from a virtual root, so the same code loads a directory on disk and
// the files of a git revision.
package intent

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/load"
	"cuelang.org/go/cue/token"

	"github.com/netpolc/netpolc/intent/schema"
	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/templates"
)

// virtualRoot is where the intents appear to the CUE loader. It never
// exists on disk, so nothing outside the files we pass in can leak in.
const virtualRoot = "/netpolc.virtual/intents"

// moduleFile makes the virtual root a CUE module so that cue.mod/pkg
// resolves the embedded schema and templates.
const moduleFile = "module: \"netpolc.local/intents@v0\"\nlanguage: version: \"v0.12.0\"\n"

// Set is a loaded intents directory, unified with the schema and checked.
type Set struct {
	// Dir is the directory as the user named it.
	Dir string
	// Files are the display paths of the CUE files, sorted.
	Files []string
	// Value is the user's package unified with schema.#Intents.
	Value cue.Value
	// Uses maps each `use` entry to where it is written.
	Uses map[string]UseSite
	// raw is the user's package before unification with the schema: its
	// values carry only the user's own positions.
	raw cue.Value
}

// Load reads the .cue files of dir (not its subdirectories) and loads them.
func Load(dir string) (*Set, error) {
	info, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, inputErr(dir, "intents directory does not exist", "pass the directory that holds your .cue intent files, or run `netpolc init DIR` to create one")
	case err != nil:
		return nil, inputErr(dir, err.Error(), "")
	case !info.IsDir():
		return nil, inputErr(dir, "is a file, not a directory", "pass the directory that holds your .cue intent files")
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, inputErr(dir, err.Error(), "")
	}
	files := map[string][]byte{}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".cue") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, inputErr(filepath.Join(dir, e.Name()), err.Error(), "")
		}
		files[e.Name()] = data
	}
	return LoadFiles(stableDir(dir), files)
}

// stableDir names dir relative to the root of the git work tree holding it,
// so positions recorded in generated files do not depend on the directory
// netpolc was run from (verify compares them byte for byte). Outside a
// work tree the directory is shown as given.
func stableDir(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return filepath.Clean(dir)
	}
	for root := abs; ; {
		if _, err := os.Stat(filepath.Join(root, ".git")); err == nil {
			if rel, err := filepath.Rel(root, abs); err == nil {
				return filepath.ToSlash(rel)
			}
		}
		parent := filepath.Dir(root)
		if parent == root {
			return filepath.Clean(dir)
		}
		root = parent
	}
}

// LoadFiles loads intents from memory: files maps a base name ("shop.cue")
// to its content; dir is only used to display positions.
func LoadFiles(dir string, files map[string][]byte) (s *Set, err error) {
	// The CUE evaluator is a large dependency; a crash in it must become
	// an error naming the input, not a stack trace.
	defer func() {
		if r := recover(); r != nil {
			s, err = nil, inputErr(dir, fmt.Sprintf("internal error evaluating CUE: %v", r), "please report this with the intents that caused it")
		}
	}()
	if len(files) == 0 {
		return nil, inputErr(dir, "no .cue files found", "intents are CUE files directly in this directory; run `netpolc init DIR` for an example")
	}
	overlay, err := buildOverlay(files)
	if err != nil {
		return nil, err
	}
	s = &Set{Dir: dir}
	for name := range files {
		s.Files = append(s.Files, displayPath(dir, name))
	}
	sort.Strings(s.Files)

	cfg := &load.Config{Dir: virtualRoot, ModuleRoot: virtualRoot, Overlay: overlay}
	insts := load.Instances([]string{".", schema.ImportPath}, cfg)
	for _, inst := range insts {
		if inst.Err != nil {
			return nil, s.convert(inst.Err)
		}
	}
	ctx := cuecontext.New()
	vals, err := ctx.BuildInstances(insts)
	if err != nil {
		return nil, s.convert(err)
	}
	s.Uses = s.useSites(insts[0])
	intents := vals[1].LookupPath(cue.MakePath(cue.Def("#Intents")))
	s.raw = vals[0]
	s.Value = intents.Unify(vals[0])
	if err := s.Value.Validate(cue.Concrete(true)); err != nil {
		return nil, s.convert(err)
	}
	return s, nil
}

func buildOverlay(files map[string][]byte) (map[string]load.Source, error) {
	overlay := map[string]load.Source{
		path.Join(virtualRoot, "cue.mod", "module.cue"): load.FromString(moduleFile),
	}
	for name, data := range files {
		overlay[path.Join(virtualRoot, name)] = load.FromBytes(data)
	}
	for _, pkg := range []struct {
		fsys       fs.FS
		importPath string
	}{{schema.FS, schema.ImportPath}, {templates.FS, templates.ImportPath}} {
		names, err := fs.Glob(pkg.fsys, "*.cue")
		if err != nil {
			return nil, err
		}
		for _, n := range names {
			data, err := fs.ReadFile(pkg.fsys, n)
			if err != nil {
				return nil, err
			}
			overlay[path.Join(virtualRoot, "cue.mod", "pkg", pkg.importPath, n)] = load.FromBytes(data)
		}
	}
	return overlay, nil
}

func displayPath(dir, name string) string {
	if dir == "" {
		return name
	}
	return filepath.ToSlash(filepath.Join(dir, name))
}

// dirPrefix is the display directory with a trailing slash ("" for none).
func (s *Set) dirPrefix() string {
	if s.Dir == "" {
		return ""
	}
	return strings.TrimSuffix(filepath.ToSlash(filepath.Clean(s.Dir)), "/") + "/"
}

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
func (s *Set) convert(err error) error {
	var out diag.List
	seen := map[string]bool{}
	for _, e := range cueerrors.Errors(err) {
		pos := s.bestPos(e)
		if pos.File == "" {
			pos.File = filepath.ToSlash(s.Dir)
		}
		format, args := e.Msg()
		msg := strings.ReplaceAll(fmt.Sprintf(format, args...), virtualRoot+"/", s.dirPrefix())
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

func (s *Set) bestPos(e cueerrors.Error) diag.Pos {
	var first diag.Pos
	candidates := append([]token.Pos{e.Position()}, e.InputPositions()...)
	for _, p := range candidates {
		dp := s.Pos(p)
		if dp.File == "" {
			continue
		}
		if s.IsUserFile(dp.File) {
			return dp
		}
		if first.File == "" {
			first = dp
		}
	}
	return first
}

// PathString shows a CUE path the way the user wrote it, without the
// schema definition the intents are unified with.
func PathString(p string) string { return strings.TrimPrefix(p, "#Intents.") }

// hintFor suggests a fix for the CUE messages users meet most.
func hintFor(msg string) string {
	switch {
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
	case strings.Contains(msg, "cannot find package"), strings.Contains(msg, "import"):
		return "the built-in templates are imported as \"netpolc.dev/templates\""
	}
	return ""
}
