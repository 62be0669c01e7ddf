package intent

import (
	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/format"

	"github.com/netpolc/netpolc/internal/diag"
)

// UseSite is where a template instance (an entry of `use`) is written in
// the user's files, and the template it instantiates.
type UseSite struct {
	Pos diag.Pos
	// Template is the instantiated template as written, e.g.
	// "templates.#Tiers"; empty when it is not a plain reference.
	Template string
}

// useSites maps each `use` key to the first place it is written. Reading
// the syntax tree is far cheaper than asking the evaluator for the
// conjuncts of every instance.
func (s *Set) useSites(files []*ast.File) map[string]UseSite {
	sites := map[string]UseSite{}
	for _, f := range files {
		for _, decl := range f.Decls {
			field, ok := decl.(*ast.Field)
			if !ok || labelName(field.Label) != "use" {
				continue
			}
			st, ok := field.Value.(*ast.StructLit)
			if !ok {
				continue
			}
			for _, elt := range st.Elts {
				entry, ok := elt.(*ast.Field)
				if !ok {
					continue
				}
				name := labelName(entry.Label)
				site := UseSite{Pos: s.Pos(entry.Pos()), Template: templateName(entry.Value)}
				if old, ok := sites[name]; !ok || posLess(site.Pos, old.Pos) {
					sites[name] = site
				}
			}
		}
	}
	return sites
}

// TemplateOf names the template a `use` entry instantiates, read from
// the evaluated value: the leftmost plain reference among its conjuncts
// written in the user's files. It serves entries the syntax walk does not
// see, such as those a `for` comprehension writes.
func (s *Set) TemplateOf(v cue.Value) string { return s.templateOf(v, 4) }

func (s *Set) templateOf(v cue.Value, depth int) string {
	op, args := v.Expr()
	if op != cue.AndOp || depth == 0 {
		return ""
	}
	for _, a := range args {
		if !s.IsUserFile(s.Pos(a.Pos()).File) {
			continue
		}
		e, _ := a.Source().(ast.Expr)
		if f, ok := a.Source().(*ast.Field); ok {
			e = f.Value
		}
		if name := templateName(e); name != "" {
			return name
		}
		if name := s.templateOf(a, depth-1); name != "" {
			return name
		}
	}
	return ""
}

// labelName is the name of an identifier or string label.
func labelName(l ast.Label) string {
	name, _, err := ast.LabelName(l)
	if err != nil {
		return ""
	}
	return name
}

// templateName prints the leftmost reference of `T & {...}`.
func templateName(e ast.Expr) string {
	for {
		b, ok := e.(*ast.BinaryExpr)
		if !ok {
			break
		}
		e = b.X
	}
	switch e.(type) {
	case *ast.Ident, *ast.SelectorExpr:
		if out, err := format.Node(e); err == nil {
			return string(out)
		}
	}
	return ""
}

func posLess(a, b diag.Pos) bool {
	if a.File != b.File {
		return a.File < b.File
	}
	if a.Line != b.Line {
		return a.Line < b.Line
	}
	return a.Col < b.Col
}
