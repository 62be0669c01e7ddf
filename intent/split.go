package intent

import (
	"hash/fnv"
	"path"
	"sort"
	"strconv"
	"strings"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/token"
)

// A large intents package is evaluated in parts, each part its own CUE
// package of some of the top-level declarations, on every CPU. CUE's
// evaluation of one package costs more than linear time in its size (the
// closedness checks of the schema's definitions grow with the struct they
// close: 9% of the evaluation at 1,000 workloads, 21% at 5,000), and runs
// on one CPU; parts of a bounded size cost linear time and run in
// parallel.
//
// Splitting is sound only where the package is the sum of its parts: the
// same value at every path whether the declarations are evaluated together
// or apart. splitPlan therefore splits only packages whose top-level
// declarations are plain fields that refer to nothing outside themselves
// but imported packages (the embedded templates and schema are closed
// packages of their own), and it keeps every declaration of one entry of a
// collection (`namespaces: shop`, `use: "shop-deny"`…) and every
// declaration of another top-level field (`cluster`, `platform`) in one
// part, so CUE unifies them exactly as in the whole package. The schema
// constrains each entry on its own (`[string]: #Policy`), never one entry
// by another. Anything else — a reference to a top-level field, a `let`,
// an embedding, a comprehension or pattern at the top level, an attribute,
// an unused import — is evaluated as one package, as are small packages.
// A part that fails in any way is not reported: the whole package is
// evaluated and its diagnostics are the ones shown (see loadFiles).

// splitMin is the size below which a package is evaluated whole; partBytes
// is the source size a part aims at. Variables for the tests.
var (
	splitMin  int64 = 128 << 10
	partBytes int64 = 48 << 10
)

// cutEvery: a part ends after a group whose key hashes to a multiple of
// it, once the part holds half of partBytes (and always at twice
// partBytes). Where parts end then depends on the groups around the
// end, not on the size of everything before: an edit that grows one
// declaration moves at most the ends next to it, and the other parts
// stay the same, to be shared between the base and the head of a change
// (Shared).
const cutEvery = 32

// splitCollections are the top-level fields whose entries are split apart.
var splitCollections = map[string]bool{"namespaces": true, "policies": true, "use": true, "expect": true, "guardrails": true}

// topDecl is one top-level field of a file and what it needs.
type topDecl struct {
	file  string // base name
	field *ast.Field
	keys  []string          // the entries (or top-level fields) it writes
	specs []*ast.ImportSpec // the imports it refers to
	size  int64
}

// fileInfo is what a part's file needs of its original.
type fileInfo struct {
	file  *ast.File
	pkg   *ast.Package
	specs []*ast.ImportSpec // in order
	names map[*ast.ImportSpec]string
}

// splitter gathers a package's declarations.
type splitter struct {
	files    map[string]*fileInfo
	decls    []*topDecl
	topNames map[string]bool
	used     map[*ast.ImportSpec]bool
}

// splitPlan returns the package's files divided into parts (each a set of
// files holding some of the original declarations), or nil when the
// package is to be evaluated whole.
func splitPlan(asts map[string]*ast.File, total int64) []partPlan {
	if total < splitMin {
		return nil
	}
	sp := &splitter{files: map[string]*fileInfo{}, topNames: map[string]bool{}, used: map[*ast.ImportSpec]bool{}}
	pkg := ""
	for _, name := range sortedNames(asts) {
		before := len(sp.decls)
		if !sp.addFile(name, asts[name]) || len(sp.decls) == before {
			return nil // a file without fields would never meet the loader
		}
		if p := asts[name].PackageName(); pkg == "" || p == pkg {
			pkg = p
		} else {
			return nil // the whole package reports the mismatch
		}
	}
	for _, d := range sp.decls {
		if !sp.references(d) {
			return nil
		}
	}
	for _, fi := range sp.files {
		for _, spec := range fi.specs {
			if !sp.used[spec] {
				return nil // the whole package reports the unused import
			}
		}
	}
	parts := sp.parts()
	if len(parts) < 2 {
		return nil
	}
	return parts
}

// addFile records a file's package clause, imports and top-level fields;
// false when the file holds anything else.
func (sp *splitter) addFile(name string, f *ast.File) bool {
	fi := &fileInfo{file: f, names: map[*ast.ImportSpec]string{}}
	seen := map[string]bool{}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.CommentGroup:
		case *ast.Package:
			if fi.pkg != nil {
				return false
			}
			fi.pkg = d
		case *ast.ImportDecl:
			for _, spec := range d.Specs {
				n, ok := importName(spec)
				if !ok || seen[n] {
					return false
				}
				seen[n] = true
				fi.specs = append(fi.specs, spec)
				fi.names[spec] = n
			}
		case *ast.Field:
			keys, ok := fieldKeys(d)
			if !ok {
				return false
			}
			sp.topNames[labelName(d.Label)] = true
			sp.decls = append(sp.decls, &topDecl{file: name, field: d, keys: keys,
				size: int64(d.End().Offset() - d.Pos().Offset())})
		default:
			return false
		}
	}
	if fi.pkg == nil {
		return false
	}
	sp.files[name] = fi
	return true
}

// importName is the name an import is referred to by; false for forms
// whose name is not plain.
func importName(spec *ast.ImportSpec) (string, bool) {
	if spec.Name != nil {
		return spec.Name.Name, spec.Name.Name != "_" && spec.Name.Name != "."
	}
	p, err := strconv.Unquote(spec.Path.Value)
	if err != nil || strings.ContainsAny(p, ":@") {
		return "", false
	}
	return path.Base(p), true
}

// fieldKeys are the keys a top-level field writes: "coll\x00entry" for
// each entry of a split collection (or "coll\x00*" when its entries cannot
// be listed), else the field's name. False for a field that is not plain.
func fieldKeys(f *ast.Field) ([]string, bool) {
	name, ok := plainLabel(f)
	if !ok || f.Value == nil || strings.HasPrefix(name, "#") || strings.HasPrefix(name, "_") {
		return nil, false
	}
	if !splitCollections[name] {
		return []string{name}, true
	}
	st, ok := f.Value.(*ast.StructLit)
	if !ok {
		return []string{name + "\x00*"}, true
	}
	var keys []string
	for _, e := range st.Elts {
		switch e := e.(type) {
		case *ast.CommentGroup:
		case *ast.Field:
			entry, ok := plainLabel(e)
			if !ok || strings.HasPrefix(entry, "#") || strings.HasPrefix(entry, "_") {
				return []string{name + "\x00*"}, true
			}
			keys = append(keys, name+"\x00"+entry)
		default:
			return []string{name + "\x00*"}, true
		}
	}
	if len(keys) == 0 {
		keys = []string{name + "\x00*"}
	}
	return keys, true
}

// plainLabel is a regular field's name written as an identifier or a
// plain string; false for patterns, interpolations, aliases and
// optional or required fields.
func plainLabel(f *ast.Field) (string, bool) {
	if f.Constraint != token.ILLEGAL {
		return "", false
	}
	switch l := f.Label.(type) {
	case *ast.Ident:
		return l.Name, true
	case *ast.BasicLit:
		if l.Kind != token.STRING || strings.HasPrefix(l.Value, "#") || strings.HasPrefix(l.Value, "'") {
			return "", false
		}
		s, err := strconv.Unquote(l.Value)
		return s, err == nil
	}
	return "", false
}

// references checks what the identifiers of a declaration refer to and
// records the imports it uses: only its own fields, let clauses and
// comprehension variables, imported packages and predeclared names may
// be named. A reference resolved at the file's top level, or an
// unresolved name that another file declares at the top level, means the
// declaration depends on the rest of the package.
func (sp *splitter) references(d *topDecl) bool {
	fi := sp.files[d.file]
	unresolved := map[*ast.Ident]bool{}
	for _, id := range fi.file.Unresolved {
		unresolved[id] = true
	}
	byName := map[string]*ast.ImportSpec{}
	for spec, n := range fi.names {
		byName[n] = spec
	}
	ok := true
	uses := map[*ast.ImportSpec]bool{}
	ast.Walk(d.field, func(n ast.Node) bool {
		id, isIdent := n.(*ast.Ident)
		if !isIdent || !ok {
			return ok
		}
		switch {
		case unresolved[id]:
			if spec, imp := byName[id.Name]; imp {
				uses[spec] = true
			} else if sp.topNames[id.Name] || id.Name == schemaAlias || id.Name == "#Intents" {
				ok = false // names a part's own (closedFiles)
			}
		case id.Node == nil:
			// A label, or a name nothing declares (an error either way
			// is the whole package's to report).
		default:
			if spec, imp := id.Node.(*ast.ImportSpec); imp {
				uses[spec] = true
			} else if id.Scope == nil || id.Scope == ast.Node(fi.file) {
				ok = false
			}
		}
		return true
	}, nil)
	for _, spec := range fi.specs {
		if uses[spec] {
			d.specs = append(d.specs, spec)
			sp.used[spec] = true
		}
	}
	return ok
}

// parts groups the declarations: those sharing a key are in one part, as
// is everything of a collection whose entries could not all be listed;
// the groups, in the order of their first declaration (the one holding
// `cluster` first: the compiler reads the cluster settings of the first
// part), fill parts of about partBytes each.
func (sp *splitter) parts() []partPlan {
	uf := unionFind{}
	wild := map[string]bool{}
	for _, d := range sp.decls {
		for _, k := range d.keys {
			uf.union(d.keys[0], k)
			if coll, entry, ok := strings.Cut(k, "\x00"); ok && entry == "*" {
				wild[coll] = true
			}
		}
	}
	for _, d := range sp.decls {
		for _, k := range d.keys {
			if coll, _, ok := strings.Cut(k, "\x00"); ok && wild[coll] {
				uf.union(k, coll+"\x00*")
			}
		}
	}
	var order []string
	groups := map[string][]*topDecl{}
	for _, d := range sp.decls {
		root := uf.find(d.keys[0])
		if groups[root] == nil {
			order = append(order, root)
		}
		groups[root] = append(groups[root], d)
	}
	if c, ok := uf.parent["cluster"]; ok {
		first := uf.find(c)
		sort.SliceStable(order, func(i, j int) bool { return order[i] == first && order[j] != first })
	}
	var parts []partPlan
	var cur []*topDecl
	var size int64
	for _, root := range order {
		for _, d := range groups[root] {
			cur = append(cur, d)
			size += d.size
		}
		if size >= 2*partBytes || (size >= partBytes/2 && cutAfter(root)) {
			parts = append(parts, sp.partPlan(cur))
			cur, size = nil, 0
		}
	}
	if len(cur) > 0 {
		parts = append(parts, sp.partPlan(cur))
	}
	return parts
}

// partPlan is what a part evaluates: files, the user's declarations of the
// part, and raw, the same without the template instances (`use`), for
// the positions and entry checks that read the package as written
// (Set.raw): instantiating templates is most of the evaluation, and
// their positions are read from the syntax (Set.Uses). A part whose `use`
// entries cannot all be listed keeps them in raw.
type partPlan struct {
	files, raw map[string]*ast.File
}

func (sp *splitter) partPlan(decls []*topDecl) partPlan {
	var raw []*topDecl
	keepUse := false
	for _, d := range decls {
		if labelName(d.field.Label) != "use" {
			raw = append(raw, d)
		} else if d.keys[0] == "use\x00*" {
			keepUse = true
		}
	}
	pp := partPlan{files: sp.partFiles(decls), raw: sp.partFiles(raw)}
	if keepUse {
		pp.raw = pp.files
	}
	if len(pp.raw) == 0 {
		// Only template instances: raw is the package with no fields.
		name := decls[0].file
		fi := sp.files[name]
		pp.raw = map[string]*ast.File{name: {Filename: fi.file.Filename, Decls: []ast.Decl{fi.pkg}}}
	}
	return pp
}

// partFiles makes the files of some declarations: each original file's
// package clause, the imports the declarations use and the declarations.
// They are the original syntax, so positions are the user's.
func (sp *splitter) partFiles(decls []*topDecl) map[string]*ast.File {
	byFile := map[string][]*topDecl{}
	for _, d := range decls {
		byFile[d.file] = append(byFile[d.file], d)
	}
	out := map[string]*ast.File{}
	for name, ds := range byFile {
		fi := sp.files[name]
		used := map[*ast.ImportSpec]bool{}
		for _, d := range ds {
			for _, spec := range d.specs {
				used[spec] = true
			}
		}
		f := &ast.File{Filename: fi.file.Filename, Decls: []ast.Decl{fi.pkg}}
		var specs []*ast.ImportSpec
		for _, spec := range fi.specs {
			if used[spec] {
				specs = append(specs, spec)
			}
		}
		if len(specs) > 0 {
			f.Decls = append(f.Decls, &ast.ImportDecl{Specs: specs})
		}
		for _, d := range ds {
			f.Decls = append(f.Decls, d.field)
		}
		out[name] = f
	}
	return out
}

// cutAfter reports whether a part may end after the group of this key.
func cutAfter(key string) bool {
	h := fnv.New32a()
	h.Write([]byte(key))
	return h.Sum32()%cutEvery == 0
}

// unionFind joins keys into groups.
type unionFind struct{ parent map[string]string }

func (u *unionFind) find(k string) string {
	if u.parent == nil {
		u.parent = map[string]string{}
	}
	p, ok := u.parent[k]
	if !ok {
		u.parent[k] = k
		return k
	}
	if p == k {
		return k
	}
	r := u.find(p)
	u.parent[k] = r
	return r
}

func (u *unionFind) union(a, b string) {
	ra, rb := u.find(a), u.find(b)
	if ra != rb {
		u.parent[rb] = ra
	}
}
