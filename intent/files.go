package intent

import (
	"bytes"
	"path"
	"sort"
	"strings"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/build"
	"cuelang.org/go/cue/parser"

	"github.com/netpolc/netpolc/internal/diag"
)

// languageVersion is the CUE language version the intents are read as.
const languageVersion = "v0.12.0"

// parserConfig parses the way the CUE loader would for our module file.
var parserConfig = parser.NewConfig(parser.ParseComments).Apply(parser.Version(languageVersion))

// sortedNames returns the keys of files in order.
func sortedNames[T any](files map[string]T) []string {
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// filePos is line and column of byte offset off of data in the named
// intents file (1:1 for a file-level finding).
func (s *Set) filePos(name string, data []byte, off int) diag.Pos {
	if off > len(data) {
		off = len(data)
	}
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	col := 1 + off - (bytes.LastIndexByte(data[:off], '\n') + 1)
	return diag.Pos{File: displayPath(s.Dir, name), Line: line, Col: col}
}

// checkSize enforces the file-count and total-size limits, before
// anything is scanned or parsed.
func (s *Set) checkSize(files map[string][]byte, size int64) diag.List {
	var out diag.List
	names := sortedNames(files)
	if len(names) > s.Limits.Files {
		name := names[s.Limits.Files]
		out.Add(s.filePos(name, nil, 0), "", overrideHint("files", int64(len(names))),
			"the intents directory has %d .cue files, over the limit of %d (this is the first file past it)", len(names), s.Limits.Files)
		return out
	}
	var total int64
	for _, name := range names {
		data := files[name]
		if total+int64(len(data)) > s.Limits.Bytes {
			off := int(s.Limits.Bytes - total)
			out.Add(s.filePos(name, data, off), "", overrideHint("bytes", size),
				"the intents are %d bytes, over the limit of %d bytes (the limit is reached here)", size, s.Limits.Bytes)
			return out
		}
		total += int64(len(data))
	}
	return out
}

func sum(files map[string][]byte) int64 {
	var n int64
	for _, data := range files {
		n += int64(len(data))
	}
	return n
}

// ignoredName says why the CUE loader would skip a file of this name, or
// "" when it loads it.
func ignoredName(name string) string {
	switch {
	case strings.HasPrefix(name, "_"), strings.HasPrefix(name, "."):
		return "CUE ignores files whose name starts with " + name[:1]
	case strings.HasSuffix(name, "_test.cue"):
		return "CUE reads *_test.cue files only for tests"
	case strings.HasSuffix(name, "_tool.cue"):
		return "CUE reads *_tool.cue files only for `cue cmd`"
	}
	return ""
}

// parseFiles checks every file against the limits and the rules of an
// intents directory, and parses it. Every .cue file must become part of
// the package: a file CUE would skip (by its name, for a missing package
// clause or behind an @if or @ignore attribute) is an error naming it,
// never a silent omission. It returns the parsed files by name.
func (s *Set) parseFiles(files map[string][]byte, size int64) (map[string]*ast.File, diag.List) {
	out := s.checkSize(files, size)
	if len(out) > 0 {
		return nil, out
	}
	asts := map[string]*ast.File{}
	for _, name := range sortedNames(files) {
		data := files[name]
		if why := ignoredName(name); why != "" {
			out.Add(s.filePos(name, data, 0), "", "rename it to end in .cue without a leading _ or . and without _test or _tool, or move it out of the intents directory",
				"%s, so this file would be silently left out of the intents", why)
			continue
		}
		virtual := path.Join(virtualRoot, name)
		if bad := s.boundsDiags(virtual, data); len(bad) > 0 {
			out = append(out, bad...)
			continue
		}
		f, err := parser.ParseFile(virtual, data, parserConfig)
		if err != nil {
			out = append(out, s.convert(err)...)
			continue
		}
		out = append(out, s.checkFileHeader(name, data, f)...)
		asts[name] = f
	}
	return asts, out
}

// boundsDiags reports where a file breaks the depth and list limits.
func (s *Set) boundsDiags(virtual string, data []byte) diag.List {
	var out diag.List
	for _, v := range checkBounds(virtual, data, s.Limits) {
		if v.depth {
			out.Add(s.Pos(v.pos), "", overrideHint("depth", int64(s.Limits.Depth)*2),
				"nesting is deeper than the limit of %d levels here (each bracket, each label of a: b: c and each operator chained in one expression is a level)", s.Limits.Depth)
			continue
		}
		out.Add(s.Pos(v.pos), "", overrideHint("list", int64(s.Limits.List)*2),
			"this list has more than %d elements, the limit", s.Limits.List)
	}
	return out
}

// checkFileHeader rejects a file the loader would leave out of the
// package: one without a package clause, or with an @if or @ignore
// attribute before it.
func (s *Set) checkFileHeader(name string, data []byte, f *ast.File) diag.List {
	var out diag.List
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.Attribute:
			key, _ := d.Split()
			if key == "if" || key == "ignore" {
				out.Add(s.Pos(d.Pos()), "", "remove the attribute: netpolc reads every file of the intents directory and sets no build tags",
					"@%s attribute: CUE would leave this file out of the intents", key)
			}
			continue
		case *ast.Package:
			if d.Name != nil && d.Name.Name == "_" {
				out.Add(s.Pos(d.Pos()), "", "name the package, e.g. `package shop`, the same in every file",
					"package _ is anonymous: CUE would leave this file out of the intents")
			}
		case *ast.CommentGroup:
			continue
		}
		break
	}
	if f.PackageName() == "" && !hasAnonymousPackage(f) {
		out.Add(s.filePos(name, data, firstDeclOffset(f)), "", "start the file with the `package NAME` clause of the other intents files",
			"no package clause: CUE would leave this file out of the intents")
	}
	return out
}

func hasAnonymousPackage(f *ast.File) bool {
	for _, d := range f.Decls {
		if p, ok := d.(*ast.Package); ok && p.Name != nil && p.Name.Name == "_" {
			return true
		}
	}
	return false
}

// firstDeclOffset is where a file's first declaration starts (0 when
// empty).
func firstDeclOffset(f *ast.File) int {
	for _, d := range f.Decls {
		if _, ok := d.(*ast.CommentGroup); ok {
			continue
		}
		if p := d.Pos(); p.IsValid() {
			return p.Offset()
		}
	}
	return 0
}

// checkLoaded is the last word on silent omissions: every file we passed
// must be in the loaded instance, whatever made the loader skip it.
func (s *Set) checkLoaded(inst *build.Instance, files map[string][]byte) diag.List {
	loaded := map[string]bool{}
	for _, f := range inst.BuildFiles {
		loaded[path.Base(f.Filename)] = true
	}
	var out diag.List
	for _, name := range sortedNames(files) {
		if !loaded[name] {
			out.Add(s.filePos(name, files[name], 0), "", "check its package clause and attributes against the other intents files",
				"CUE left this file out of the intents package")
		}
	}
	return out
}
