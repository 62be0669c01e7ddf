package intent

import (
	"maps"
	"slices"
	"sync"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/build"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/token"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/load"

	"github.com/netpolc/netpolc/intent/schema"
	"github.com/netpolc/netpolc/internal/par"
)

// Parts are the sets the compiler reads: the parts a large package was
// evaluated in (see splitPlan), or the set itself. Each part is a Set of
// its own, with its own Value, positions and `use` sites; every entry is in
// exactly one part, the cluster settings in the first.
func (s *Set) Parts() []*Set {
	if len(s.parts) > 0 {
		return s.parts
	}
	return []*Set{s}
}

// Whole is the set evaluated as one package: the set itself unless it was
// evaluated in parts. The compiler recompiles from it when the parts hold
// errors, so that diagnostics are those of the whole package, whatever
// the split.
func (s *Set) Whole() (*Set, error) {
	if len(s.parts) == 0 {
		return s, nil
	}
	return loadWhole(s.Dir, s.Limits, s.sources, s.total)
}

// plan is the parts to evaluate the package in, or nil to evaluate it
// whole.
func (s *Set) plan(split bool, asts map[string]*ast.File, total int64) []partPlan {
	if !split {
		return nil
	}
	return splitPlan(asts, total)
}

// evaluateParts evaluates each part as a package of its own, on every
// CPU. It returns false when any part fails in any way (a loader or
// evaluation error, a panic in the evaluator): the whole package is then
// evaluated and reports. Parts another load evaluated through sh are
// that load's.
func (s *Set) evaluateParts(plan []partPlan, sh *Shared) ([]*Set, bool) {
	parts := make([]*Set, len(plan))
	ok := make([]bool, len(plan))
	par.For(len(plan), func(i int) {
		parts[i], ok[i] = sh.part(s, plan[i])
	})
	for _, o := range ok {
		if !o {
			return nil, false
		}
	}
	return parts, true
}

// loadMu serialises the parts' loads.
var loadMu sync.Mutex

// schemaAlias names the schema in a part's files; a declaration naming
// it or #Intents is evaluated whole (references).
const schemaAlias = "netpolcSchema"

// closedFiles are a part's files for evaluation: in each, the
// declarations become the fields of `#Intents: schema.#Intents & {…}`,
// so that the package's #Intents is the part unified with the schema in
// one evaluation, at the paths the whole package's value has
// (#Intents.namespaces…). Building the package as written and unifying it
// with the schema afterwards evaluates everything twice. (Embedding the
// schema at the top level instead would not close the fields declared
// beside it.)
func closedFiles(files map[string]*ast.File) map[string]*ast.File {
	out := make(map[string]*ast.File, len(files))
	for name, f := range files {
		spec := ast.NewImport(ast.NewIdent(schemaAlias), schema.ImportPath)
		ref := ast.NewIdent(schemaAlias)
		ref.Node = spec
		body := &ast.StructLit{}
		cf := &ast.File{Filename: f.Filename}
		for _, d := range f.Decls {
			switch d.(type) {
			case *ast.Package, *ast.ImportDecl:
				cf.Decls = append(cf.Decls, d)
			default:
				body.Elts = append(body.Elts, d)
			}
		}
		cf.Decls = append(cf.Decls, &ast.ImportDecl{Specs: []*ast.ImportSpec{spec}}, &ast.Field{
			Label: ast.NewIdent("#Intents"),
			Value: &ast.BinaryExpr{Op: token.AND, X: &ast.SelectorExpr{X: ref, Sel: ast.NewIdent("#Intents")}, Y: body},
		})
		out[name] = cf
	}
	return out
}

// evaluatePart loads and evaluates one part: its files closed by the
// schema (closedFiles), and its raw files as written.
func (s *Set) evaluatePart(pp partPlan) (p *Set, ok bool) {
	defer func() {
		if r := recover(); r != nil {
			p, ok = nil, false
		}
	}()
	// A part's files are its own: nothing of it depends on the rest of
	// the package (Shared).
	p = &Set{Dir: s.Dir, Limits: s.Limits, syntax: pp.files}
	for _, name := range sortedNames(pp.files) {
		p.Files = append(p.Files, displayPath(s.Dir, name))
	}
	full, ok := p.loadPart(closedFiles(pp.files))
	if !ok {
		return nil, false
	}
	raw, ok := p.loadPart(pp.raw)
	if !ok {
		return nil, false
	}
	vals, err := cuecontext.New().BuildInstances([]*build.Instance{full, raw})
	if err != nil {
		return nil, false
	}
	p.Uses = p.useSites(slices.Collect(maps.Values(pp.files)))
	p.raw = vals[1]
	if len(p.checkEntries()) > 0 {
		return nil, false
	}
	p.Value = vals[0].LookupPath(cue.MakePath(cue.Def("#Intents")))
	if err := p.Value.Validate(cue.Concrete(true)); err != nil {
		return nil, false
	}
	return p, true
}

// loadPart loads files as the intents package; false when the loader
// fails or leaves a file out.
func (p *Set) loadPart(files map[string]*ast.File) (*build.Instance, bool) {
	if inst, ok := directInstance(files); ok {
		return inst, true
	}
	overlay, err := buildOverlay(files)
	if err != nil {
		return nil, false
	}
	cfg := &load.Config{Dir: virtualRoot, ModuleRoot: virtualRoot, Overlay: overlay}
	// The loader records the file's location on its token.File, which
	// the parts of one file share: one part loads at a time (loading is
	// a few percent of the work; evaluating runs in parallel).
	loadMu.Lock()
	insts := load.Instances([]string{"."}, cfg)
	loadMu.Unlock()
	if len(insts) != 1 || insts[0].Err != nil {
		return nil, false
	}
	names := map[string][]byte{}
	for name := range files {
		names[name] = nil
	}
	return insts[0], len(p.checkLoaded(insts[0], names)) == 0
}
