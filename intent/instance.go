package intent

import (
	"io/fs"
	"path"
	"strings"
	"sync"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/build"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"

	"github.com/netpolc/netpolc/intent/schema"
	"github.com/netpolc/netpolc/templates"
)

// embeddedPackage is one of the packages the intents import (the schema,
// the templates): its import path and files, read once.
type embeddedPackage struct {
	importPath string
	files      map[string][]byte // by base name
}

// embeddedPackages are the schema and the templates.
var embeddedPackages = sync.OnceValues(func() ([]embeddedPackage, error) {
	var out []embeddedPackage
	for _, pkg := range []struct {
		fsys       fs.FS
		importPath string
	}{{schema.FS, schema.ImportPath}, {templates.FS, templates.ImportPath}} {
		names, err := fs.Glob(pkg.fsys, "*.cue")
		if err != nil {
			return nil, err
		}
		p := embeddedPackage{importPath: pkg.importPath, files: map[string][]byte{}}
		for _, n := range names {
			if p.files[n], err = fs.ReadFile(pkg.fsys, n); err != nil {
				return nil, err
			}
		}
		out = append(out, p)
	}
	return out, nil
})

// directInstance builds files as the intents package without cue/load, for
// a part (evaluatePart): the loader formats every syntax tree it is given
// back to text and parses the schema and the templates again from its
// overlay, under loadMu (0.3 CPU-s at 20,000 workloads, serialised). The
// imports are parsed here, each part its own trees (the compiler is not
// given trees another goroutine resolves). ok is false when the files
// need what only the loader does: a file-level attribute (@if, @ignore,
// @extern: build tags, embedding), a file without a package clause, an
// import other than the embedded packages and the standard library. The
// caller then loads them with cue/load; anything a part gets wrong falls
// back to the whole package, evaluated by the loader.
func directInstance(files map[string]*ast.File) (inst *build.Instance, ok bool) {
	for _, f := range files {
		if !plainFile(f) {
			return nil, false
		}
	}
	pkgs, err := embeddedPackages()
	if err != nil {
		return nil, false
	}
	imports := map[string]*build.Instance{}
	unknown := false
	load := func(_ token.Pos, importPath string) *build.Instance {
		if imp, ok := imports[importPath]; ok {
			return imp
		}
		if !isStandardLibrary(importPath) {
			unknown = true
		}
		return nil // a builtin package: the runtime has it
	}
	ctx := build.NewContext()
	for _, pkg := range pkgs { // in dependency order: the templates import the schema
		dir := path.Join(virtualRoot, "cue.mod", "pkg", pkg.importPath)
		imp := ctx.NewInstance(dir, load)
		imp.ImportPath, imp.DisplayPath = pkg.importPath, pkg.importPath
		for _, name := range sortedNames(pkg.files) {
			f, err := parser.ParseFile(path.Join(dir, name), pkg.files[name], parserConfig)
			if err != nil || imp.AddSyntax(f) != nil {
				return nil, false
			}
		}
		if imp.Complete() != nil || unknown {
			return nil, false
		}
		imports[pkg.importPath] = imp
	}
	inst = ctx.NewInstance(virtualRoot, load)
	inst.DisplayPath = "."
	// The trees of one file's parts share its package clause and import
	// specs, which AddSyntax resolves: one part at a time.
	loadMu.Lock()
	defer loadMu.Unlock()
	for _, name := range sortedNames(files) {
		if inst.AddSyntax(files[name]) != nil {
			return nil, false
		}
	}
	if inst.Complete() != nil || unknown || inst.Err != nil {
		return nil, false
	}
	return inst, true
}

// plainFile reports whether a file has a package clause and no
// file-level attribute: nothing the loader would act on.
func plainFile(f *ast.File) bool {
	hasPackage := false
	for _, d := range f.Decls {
		switch d.(type) {
		case *ast.Attribute:
			return false
		case *ast.Package:
			hasPackage = true
		}
	}
	return hasPackage && f.PackageName() != "" && f.PackageName() != "_"
}

// isStandardLibrary reports whether an import path names a CUE builtin
// package: no dot in its first element (as cue/load decides,
// cue/load/import.go isStdlibPackage).
func isStandardLibrary(importPath string) bool {
	first, _, _ := strings.Cut(importPath, "/")
	return first != "" && !strings.Contains(first, ".")
}
