package manifests

import (
	"errors"
	"fmt"
	"strings"

	"github.com/netpolc/netpolc/internal/diag"

	"go.yaml.in/yaml/v3"
)

// builder collects the objects of one run and the problems found.
type builder struct {
	set       Set
	errs      diag.List
	workloads []*workload
	x         *expander
	size      int64 // bytes of input
	lim       bounds
	stopped   bool // a bound was passed: the run ends
	// seen maps "Kind namespace/name" to its first definition; seenKeys
	// are its keys in the order added.
	seen     map[string]*definition
	seenKeys []string
	dups     duplicates
	files    []File // of the run
	// decoder decodes objects: decodeNodes (tests compare it with the
	// decoder before it).
	decoder   func(b *builder, o *object, v any, k *keep, unknownIsError bool) bool
	file      int // index in files of the file being read
	chunkLine int // line of the chunk being read
	opts      Options
	others    []other // objects of kinds netpolc does not read
	edge      edgeInput
	// channelWarnings are the admin objects valid only on the
	// experimental channel, when the channel is not known.
	channelWarnings []string
	// alone is set when the builder reads one file ahead of the run
	// (alone.go); touched are the keys of the objects it defined, and
	// abandoned says it met what only the run can read.
	alone     bool
	touched   []string
	abandoned bool
}

func newBuilder(lim bounds) *builder {
	return &builder{seen: map[string]*definition{}, lim: lim, decoder: (*builder).decodeNodes}
}

// run reads files and resolves what they define into a Set.
func (b *builder) run(files []File) (*Set, error) {
	if d := checkBytes(files, b.lim.bytes); d != nil {
		return result(nil, append(b.errs, d))
	}
	for _, f := range files {
		b.size += int64(len(f.Data))
	}
	b.x = newExpander(b.size, b.lim.perByte)
	b.files = files
	next, stop := prefetch(files, b.aloneTemplate())
	defer stop()
	for i, f := range files {
		b.file = i
		r := next(i)
		if r.alone != nil && b.absorb(r.alone) {
			continue
		}
		if !b.addFile(f.Name, r.chunks) {
			return result(nil, b.errs)
		}
	}
	b.finish()
	return result(&b.set, b.errs)
}

// addFile reads the documents of one file, parsed. When the expansion
// budget runs out, what the document did is forgotten (the problems of
// the thousands of copies of an object are noise) for the one problem of
// the budget, and addFile returns false: the run stops.
func (b *builder) addFile(name string, chunks []parsed) bool {
	for _, c := range chunks {
		b.chunkLine = c.Line
		if !b.countDocument(name, c.Line) {
			return false
		}
		m := b.mark()
		if c.bad != nil {
			b.errs = append(b.errs, c.bad)
			b.skipIfInvalid(m, name, c.chunk)
			continue
		}
		for _, d := range c.docs {
			errs, notes := len(b.errs), len(b.set.Notes)
			b.x.newDocument()
			b.addNode(name, d, "", "", 0)
			if b.x.spent != nil {
				b.errs = append(b.errs[:errs], b.x.spentError(name, b.size))
				b.set.Notes = b.set.Notes[:notes]
				return false
			}
			if b.stopped {
				return false
			}
		}
		if c.msg != "" {
			b.errs = append(b.errs, problem(diag.Pos{File: name, Line: c.line}, "", errSyntax,
				"check the indentation and quoting on this line or the one before", "%s", c.msg))
		}
		b.skipIfInvalid(m, name, c.chunk)
	}
	return true
}

// object is one Kubernetes object being decoded.
type object struct {
	File       string
	Node       *yaml.Node
	APIVersion string
	Kind       string
	Name       string
	Namespace  string
}

func (o *object) source() diag.Pos { return sourceOf(o.File, o.Node) }

// label names the object in messages: "Kind namespace/name".
func (o *object) label() string {
	switch {
	case o.Name == "":
		return o.Kind
	case o.Namespace == "":
		return o.Kind + " " + o.Name
	}
	return o.Kind + " " + o.Namespace + "/" + o.Name
}

// readHeader reads o's apiVersion, kind, name and namespace.
func (b *builder) readHeader(o *object) {
	if v, _ := b.x.stringField(o.Node, "apiVersion"); v != "" {
		o.APIVersion = v
	}
	if v, _ := b.x.stringField(o.Node, "kind"); v != "" {
		o.Kind = v
	}
	if md := b.x.lookupPath(o.Node, "metadata"); len(md) == 1 {
		o.Name, _ = b.x.stringField(md[0].Value, "name")
		o.Namespace, _ = b.x.stringField(md[0].Value, "namespace")
	}
}

func sourceOf(file string, n *yaml.Node) diag.Pos {
	return diag.Pos{File: file, Line: n.Line, Col: n.Column}
}

// addNode handles one object node. Lists recurse into their items, which
// inherit apiVersion and kind from a typed list (PodList) when they omit
// them.
func (b *builder) addNode(file string, n *yaml.Node, apiVersion, kind string, depth int) {
	if b.stopped || b.x.spent != nil || !b.x.charge(n, 1) || !b.countObject(sourceOf(file, n)) {
		return
	}
	defer b.x.enter(n)()
	n = resolve(n)
	o := &object{File: file, Node: n, APIVersion: apiVersion, Kind: kind}
	if n.Kind != yaml.MappingNode {
		b.note(o.source(), "skipped a document that is not a mapping (not a Kubernetes object)")
		return
	}
	b.readHeader(o)
	if o.Kind == "" {
		b.note(o.source(), "skipped a document without kind (not a Kubernetes object)")
		return
	}
	if items := b.x.lookupPath(n, "items"); strings.HasSuffix(o.Kind, "List") && len(items) == 1 {
		b.addList(o, items[0].Value, depth)
		return
	}
	info, ok := kinds[o.Kind]
	if !ok {
		b.note(o.source(), "skipped %s (netpolc reads workloads, namespaces and network policies)", o.label())
		b.others = append(b.others, other{o.Kind, b.set.Notes[len(b.set.Notes)-1]})
		return
	}
	if !b.checkAPIVersion(o, info) {
		return
	}
	if o.Kind != "Pod" {
		o.Node = withoutStatus(o.Node)
	}
	// Convert first: a duplicate key or a bad alias explains more than
	// any check of the fields below.
	if ne := b.x.convert(o.Node); ne != nil {
		if ne != errSpent {
			b.fail(sourceOf(o.File, ne.Node), o.label(), errInvalid, "", "%s", ne.Msg)
		}
		return
	}
	if o.Name == "" {
		b.fail(o.source(), o.label(), errInvalid, "every object needs a name", "metadata.name is missing")
		return
	}
	if info.namespaced && o.Namespace == "" {
		o.Namespace = "default"
	}
	if !info.namespaced {
		o.Namespace = ""
	}
	if !b.firstDefinition(o) {
		return
	}
	info.add(b, o)
}

func (b *builder) addList(o *object, items *yaml.Node, depth int) {
	if depth > 8 {
		b.fail(o.source(), o.label(), errInvalid, "", "lists nest too deeply")
		return
	}
	if items.Kind != yaml.SequenceNode {
		if !isNull(items) {
			b.fail(sourceOf(o.File, items), o.Kind, errInvalid, "", "items must be a list of objects")
		}
		return
	}
	apiVersion, kind := "", ""
	if o.Kind != "List" {
		apiVersion, kind = o.APIVersion, strings.TrimSuffix(o.Kind, "List")
	}
	for _, item := range items.Content {
		b.addNode(o.File, item, apiVersion, kind, depth+1)
	}
}

// checkAPIVersion tells whether o's apiVersion is one netpolc reads for
// its kind. An unknown version of the kind's groups is an error; a kind of
// another API group is someone else's kind: skipped.
func (b *builder) checkAPIVersion(o *object, info kindInfo) bool {
	if o.APIVersion == "" {
		b.fail(o.source(), o.label(), errInvalid, "add apiVersion: "+info.versions[0], "apiVersion is missing")
		return false
	}
	group := groupOf(o.APIVersion)
	known := false
	for _, v := range info.versions {
		if v == o.APIVersion {
			return true
		}
		known = known || groupOf(v) == group
	}
	if known {
		b.fail(o.source(), o.label(), errInvalid, "", "netpolc reads %s only as %s, not %s",
			o.Kind, orList(info.versions), o.APIVersion)
		return false
	}
	b.note(o.source(), "skipped %s of apiVersion %s (netpolc reads %s)", o.label(), o.APIVersion, info.versions[0])
	b.others = append(b.others, other{o.APIVersion + " " + o.Kind, b.set.Notes[len(b.set.Notes)-1]})
	return false
}

// groupOf is the API group of an apiVersion ("" for the core group).
func groupOf(apiVersion string) string {
	if g, _, ok := strings.Cut(apiVersion, "/"); ok {
		return g
	}
	return ""
}

// orList joins "a", "a or b", "a, b or c".
func orList(s []string) string {
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

// decode decodes o into v, keeping every field. Unknown fields are
// errors for policies, whose meaning a misspelt field changes, and notes
// for other kinds.
func (b *builder) decode(o *object, v any, unknownIsError bool) bool {
	return b.decodeKeep(o, v, keepAll, unknownIsError)
}

// decodeKeep decodes o into v, storing the fields k keeps.
func (b *builder) decodeKeep(o *object, v any, k *keep, unknownIsError bool) bool {
	return b.decoder(b, o, v, k, unknownIsError)
}

// decodeNodes decodes o into v from its nodes, storing the fields k keeps
// and checking every other against its type.
func (b *builder) decodeNodes(o *object, v any, k *keep, unknownIsError bool) bool {
	d := b.x.decodeNode(o.Node, v, k)
	switch {
	case d.fatal != nil:
		var te *jsonTypeError
		if !errors.As(d.fatal, &te) {
			b.fail(o.source(), o.label(), errInvalid, "", "%s", strings.TrimPrefix(d.fatal.Error(), "json: "))
			return false
		}
		b.typeError(o, d.fatalNode, te)
		return false
	case d.typeErr != nil:
		b.typeError(o, d.typeNode, d.typeErr)
		return false
	}
	for _, u := range d.unknown {
		src := sourceOf(o.File, u.Key)
		if unknownIsError {
			parent, name := splitField(u.Path)
			b.fail(src, objectPath(o.label(), parent), errInvalid, "check its spelling and indentation", "unknown field %q", name)
		} else {
			b.note(src, "ignored unknown field %q of %s", u.Path, o.label())
		}
	}
	return len(d.unknown) == 0 || !unknownIsError
}

// typeError reports a value of the wrong type, at node n, for a YAML
// author: the field path and what is wrong with it.
func (b *builder) typeError(o *object, n *yaml.Node, te *jsonTypeError) {
	b.fail(sourceOf(o.File, n), objectPath(o.label(), te.Field), errInvalid, quoteHint(n),
		"want %s, found %s", te.Type, te.Value)
}

// fail records a problem at src; path names the object and field.
func (b *builder) fail(src diag.Pos, path string, cause error, hint, format string, args ...any) {
	b.errs = append(b.errs, problem(src, path, cause, hint, format, args...))
}

// splitField cuts a field path before its last field name:
// "spec.ingress[1].form" is "spec.ingress[1]" and "form".
func splitField(path string) (parent, name string) {
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[:i], path[i+1:]
	}
	return "", path
}

func (b *builder) note(src diag.Pos, format string, args ...any) {
	b.set.Notes = append(b.set.Notes, src.String()+": "+fmt.Sprintf(format, args...))
}
