package intent

import (
	"fmt"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"

	"github.com/netpolc/netpolc/internal/diag"
)

// entryCollections are the top-level fields whose entries each take
// effect: templates to expand, policies, expectations and guardrails.
var entryCollections = []string{"use", "policies", "guardrails", "expect", "closes", "platform"}

// checkEntries rejects entries of the collections that CUE keeps but
// that would never take effect: an optional (`deny?:`) or required
// (`deny!:`) field, a pattern (`[string]: …`), a hidden field or a
// definition. A `#DefaultDeny` or a guardrail written that way would be
// silently dropped. s.raw is the user's package before the schema, so
// only what the user wrote is seen.
func (s *Set) checkEntries() diag.List {
	var out diag.List
	all := []cue.Option{cue.Optional(true), cue.Hidden(true), cue.Definitions(true), cue.Patterns(true)}
	it, err := s.raw.Fields(all...)
	if err != nil {
		return nil
	}
	for it.Next() {
		sel := it.Selector()
		if sel.ConstraintType() == cue.PatternConstraint || sel.LabelType() != cue.StringLabel || !isCollection(sel.Unquoted()) {
			continue
		}
		name := sel.Unquoted()
		if sel.ConstraintType() != 0 {
			out.Add(s.entryPos(it.Value()), name, "write it as a regular field: `"+name+": …`",
				"%s declares no value, so no entry of %s would take effect", constraintName(sel), name)
			continue
		}
		if name == "platform" {
			out = append(out, s.checkPlatform(it.Value(), all)...)
			continue
		}
		out = append(out, s.checkCollection(name, it.Value(), all)...)
	}
	return out
}

// checkPlatform checks the entries of both tiers of `platform`, whose
// intents take effect one by one like the entries of `use`.
func (s *Set) checkPlatform(v cue.Value, all []cue.Option) diag.List {
	var out diag.List
	it, err := v.Fields(all...)
	if err != nil {
		return nil
	}
	for it.Next() {
		sel := it.Selector()
		if sel.LabelType() != cue.StringLabel || sel.ConstraintType() == cue.PatternConstraint {
			continue
		}
		name := "platform." + sel.Unquoted()
		if sel.ConstraintType() != 0 {
			out.Add(s.entryPos(it.Value()), name, "write it as a regular field: `"+name+": …`",
				"%s declares no value, so no intent of %s would take effect", constraintName(sel), name)
			continue
		}
		out = append(out, s.checkCollection(name, it.Value(), all)...)
	}
	return out
}

func isCollection(name string) bool {
	for _, c := range entryCollections {
		if c == name {
			return true
		}
	}
	return false
}

// checkCollection reports the entries of one collection that would not
// take effect.
func (s *Set) checkCollection(name string, v cue.Value, all []cue.Option) diag.List {
	var out diag.List
	it, err := v.Fields(all...)
	if err != nil {
		return nil
	}
	for it.Next() {
		sel := it.Selector()
		msg := ""
		switch {
		case sel.ConstraintType() != 0:
			msg = constraintName(sel) + " declares no entry, so what it holds would never take effect"
		case sel.LabelType() != cue.StringLabel:
			msg = "netpolc reads only regular entries: a hidden field or a definition here would never take effect"
		default:
			continue
		}
		pos, ok := s.labelPos(name, sel)
		if !ok {
			pos = s.entryPos(it.Value())
		}
		out.Add(pos, name+"."+labelText(sel),
			"write each entry as a regular field, e.g. `"+name+": deny: …`; to share values between entries, use a definition outside `"+name+"`",
			"%s", msg)
	}
	return out
}

// labelPos finds the label of an entry of a collection as written at the
// top level of a file (`use: deny?: …` or `use: {deny?: …}`).
func (s *Set) labelPos(collection string, sel cue.Selector) (diag.Pos, bool) {
	for _, name := range sortedNames(s.syntax) {
		for _, decl := range s.syntax[name].Decls {
			field, ok := decl.(*ast.Field)
			if !ok || labelName(field.Label) != collection {
				continue
			}
			st, ok := field.Value.(*ast.StructLit)
			if !ok {
				continue
			}
			for _, elt := range st.Elts {
				if entry, ok := elt.(*ast.Field); ok && labelMatches(entry, sel) {
					return s.Pos(entry.Label.Pos()), true
				}
			}
		}
	}
	return diag.Pos{}, false
}

// labelMatches reports whether a field's label is the one sel names.
func labelMatches(f *ast.Field, sel cue.Selector) bool {
	if sel.ConstraintType() == cue.PatternConstraint {
		_, ok := f.Label.(*ast.ListLit)
		return ok
	}
	if id, ok := f.Label.(*ast.Ident); ok && sel.LabelType() != cue.StringLabel {
		return id.Name == sel.String()
	}
	return sel.LabelType() == cue.StringLabel && labelName(f.Label) == sel.Unquoted()
}

// entryPos is the position of an entry's value in the user's files.
func (s *Set) entryPos(v cue.Value) diag.Pos {
	if p := s.Pos(v.Pos()); s.IsUserFile(p.File) {
		return p
	}
	if p, ok := s.UserPos(v); ok {
		return p
	}
	_, args := v.Expr()
	for _, a := range args {
		if p := s.Pos(a.Pos()); s.IsUserFile(p.File) {
			return p
		}
	}
	return s.Pos(v.Pos())
}

func labelText(sel cue.Selector) string {
	switch {
	case sel.ConstraintType() == cue.PatternConstraint:
		return fmt.Sprintf("[%v]", sel.Pattern())
	case sel.LabelType() == cue.StringLabel:
		return sel.Unquoted()
	}
	return sel.String()
}

func constraintName(sel cue.Selector) string {
	switch sel.ConstraintType() {
	case cue.OptionalConstraint:
		return "an optional field"
	case cue.RequiredConstraint:
		return "a required field"
	}
	return "a pattern constraint"
}
