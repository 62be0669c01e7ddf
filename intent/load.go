// Package intent loads a directory of CUE intent files as one CUE package,
// unified with the embedded schema, and makes the built-in templates
// importable without any download. Everything is read into memory first and
// loaded from a virtual root, so the same code loads a directory on disk and
// the files of a git revision.
package intent

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/netpolc/netpolc/internal/worktree"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/build"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/load"

	"github.com/netpolc/netpolc/intent/schema"
)

// virtualRoot is where the intents appear to the CUE loader. It never
// exists on disk, so nothing outside the files we pass in can leak in.
const virtualRoot = "/netpolc.virtual/intents"

// moduleFile makes the virtual root a CUE module so that cue.mod/pkg
// resolves the embedded schema and templates.
const moduleFile = "module: \"netpolc.local/intents@v0\"\nlanguage: version: \"" + languageVersion + "\"\n"

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
	// Limits are the size and complexity bounds the set was loaded
	// within; the compiler applies the rest of them.
	Limits Limits
	// raw is the user's package before unification with the schema: its
	// values carry only the user's own positions.
	raw cue.Value
	// syntax holds the parsed files by base name.
	syntax map[string]*ast.File
	// parts are the sets a large package was evaluated in (Parts);
	// sources and total are its files, to evaluate it whole (Whole).
	parts   []*Set
	sources map[string][]byte
	total   int64
}

// Load reads the .cue files of dir (not its subdirectories) and loads them
// within the limits of NETPOLC_LIMITS (see envLimits).
func Load(dir string) (*Set, error) {
	lim, err := envLimits()
	if err != nil {
		return nil, err
	}
	return LoadWith(dir, lim)
}

// LoadWith is Load within the given limits. It never reads more of the
// directory than the limits allow.
func LoadWith(dir string, lim Limits) (*Set, error) {
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
	var names []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".cue") {
			names = append(names, e.Name())
		}
	}
	files := map[string][]byte{}
	var total int64
	for _, e := range entries {
		if info, err := e.Info(); err == nil && !e.IsDir() && strings.HasSuffix(e.Name(), ".cue") {
			total += info.Size()
		}
	}
	if len(names) > lim.Files {
		// The count alone is reported; nothing needs to be read.
		for _, name := range names {
			files[name] = nil
		}
		return loadFiles(stableDir(dir), files, lim, total, nil)
	}
	remaining := lim.Bytes
	for _, name := range names {
		data, err := readAtMost(filepath.Join(dir, name), remaining+1)
		if err != nil {
			return nil, inputErr(filepath.Join(dir, name), err.Error(), "")
		}
		files[name] = data
		if remaining -= int64(len(data)); remaining < 0 {
			// Over the limit: what was read is enough to say where.
			break
		}
	}
	return loadFiles(stableDir(dir), files, lim, max(total, sum(files)), nil)
}

// readAtMost reads up to max bytes of a file.
func readAtMost(name string, max int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, max))
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
	root, ok, err := worktree.Root(abs)
	if err != nil || !ok {
		return filepath.Clean(dir)
	}
	if rel, err := filepath.Rel(root, abs); err == nil {
		return filepath.ToSlash(rel)
	}
	return filepath.Clean(dir)
}

// LoadFiles loads intents from memory: files maps a base name ("shop.cue")
// to its content; dir is only used to display positions. The limits are
// those of NETPOLC_LIMITS (see envLimits).
func LoadFiles(dir string, files map[string][]byte) (*Set, error) {
	lim, err := envLimits()
	if err != nil {
		return nil, err
	}
	return LoadFilesWith(dir, files, lim)
}

// LoadFilesWith is LoadFiles within the given limits. Every file must
// become part of the intents package: a file the CUE loader would skip is
// an error naming it, as is an entry of use, policies, guardrails or
// expect that would never take effect.
func LoadFilesWith(dir string, files map[string][]byte, lim Limits) (*Set, error) {
	return loadFiles(dir, files, lim, sum(files), nil)
}

// loadFiles is LoadFilesWith for files that may be cut short at the size
// limit; total is the size of the whole directory, for messages. A large
// package is evaluated in parts (see splitPlan); when a part fails, the
// files are parsed again and evaluated whole, which reports. Parts are
// shared through sh (see Shared), nil for none.
func loadFiles(dir string, files map[string][]byte, lim Limits, total int64, sh *Shared) (*Set, error) {
	s, err := loadSplit(dir, files, lim, total, sh, true)
	if err == errParts {
		return loadSplit(dir, files, lim, total, nil, false)
	}
	return s, err
}

// errParts says that a part failed to evaluate.
var errParts = errors.New("a part of the intents failed to evaluate")

// loadWhole evaluates files as one package.
func loadWhole(dir string, lim Limits, files map[string][]byte, total int64) (*Set, error) {
	return loadSplit(dir, files, lim, total, nil, false)
}

// loadSplit parses and evaluates files, in parts when split is set and
// the package can be split, sharing the parts through sh.
func loadSplit(dir string, files map[string][]byte, lim Limits, total int64, sh *Shared, split bool) (s *Set, err error) {
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
	s = &Set{Dir: dir, Limits: lim}
	for name := range files {
		s.Files = append(s.Files, displayPath(dir, name))
	}
	sort.Strings(s.Files)
	asts, diags := s.parseFiles(files, total)
	if err := diags.Errors(); err != nil {
		return nil, err
	}
	s.syntax = asts
	if plan := s.plan(split, asts, total); plan != nil {
		s.sources = files
		parts, ok := s.evaluateParts(plan, sh)
		if !ok {
			return nil, errParts
		}
		s.parts, s.sources, s.total = parts, files, total
		return s, nil
	}
	overlay, err := buildOverlay(asts)
	if err != nil {
		return nil, err
	}
	cfg := &load.Config{Dir: virtualRoot, ModuleRoot: virtualRoot, Overlay: overlay}
	insts := load.Instances([]string{".", schema.ImportPath}, cfg)
	for _, inst := range insts {
		if inst.Err != nil {
			return nil, s.convert(inst.Err)
		}
	}
	if err := s.checkLoaded(insts[0], files).Errors(); err != nil {
		return nil, err
	}
	return s, s.evaluate(insts)
}

// evaluate builds the loaded instances, checks the user's entries and
// unifies the package with the schema.
func (s *Set) evaluate(insts []*build.Instance) error {
	ctx := cuecontext.New()
	vals, err := ctx.BuildInstances(insts)
	if err != nil {
		return s.convert(err)
	}
	s.Uses = s.useSites(insts[0].Files)
	intents := vals[1].LookupPath(cue.MakePath(cue.Def("#Intents")))
	s.raw = vals[0]
	if err := s.checkEntries().Errors(); err != nil {
		return err
	}
	s.Value = intents.Unify(vals[0])
	if err := s.Value.Validate(cue.Concrete(true)); err != nil {
		return s.convert(err)
	}
	return nil
}

// buildOverlay lays out the virtual module: the user's files, parsed
// already, and the embedded schema and templates.
func buildOverlay(files map[string]*ast.File) (map[string]load.Source, error) {
	overlay := map[string]load.Source{
		path.Join(virtualRoot, "cue.mod", "module.cue"): load.FromString(moduleFile),
	}
	for name, f := range files {
		overlay[path.Join(virtualRoot, name)] = load.FromFile(f)
	}
	pkgs, err := embeddedPackages()
	if err != nil {
		return nil, err
	}
	for _, pkg := range pkgs {
		for n, data := range pkg.files {
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
