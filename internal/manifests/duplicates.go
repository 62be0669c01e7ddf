package manifests

import (
	"bytes"

	"go.yaml.in/yaml/v3"

	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/limits"
)

// definition is where an object was first defined. What it said (its
// canonical form) is worked out only when the object is defined again, by
// parsing its document again: an object defined once, the common case,
// costs nothing but its position.
type definition struct {
	pos   diag.Pos
	at    defPos
	kind  string
	canon []byte // see canonical; nil until asked for
}

// defPos is where an object's node starts in the files of a run.
type defPos struct {
	file, line, col int
}

// duplicates is what comparing definitions needs: the first definitions
// by position, and the chunks parsed again, each parsed once whatever the
// number of objects in it defined again.
type duplicates struct {
	at      map[defPos]string // first definitions' keys; nil until needed
	reparse map[defPos]bool   // chunks parsed again, by file and line
}

// firstDefinition records o and tells whether it is the first definition
// of its object. A second definition that says the same (but for the
// fields the API server sets) is read once, with a note naming both
// places; one that differs is an error naming both places and what
// differs.
func (b *builder) firstDefinition(o *object) bool {
	key := o.label()
	first, dup := b.seen[key]
	if b.alone {
		// A second definition is compared by the run.
		b.touched = append(b.touched, key)
		b.abandoned = b.abandoned || dup
	}
	if !dup {
		d := &definition{pos: o.source(), at: defPos{b.file, o.Node.Line, o.Node.Column}, kind: o.Kind}
		b.seen[key] = d
		b.seenKeys = append(b.seenKeys, key)
		if b.dups.at != nil {
			b.dups.at[d.at] = key
		}
		if b.dups.reparse[defPos{file: b.file, line: b.chunkLine}] {
			// This chunk was parsed again for an object before o: say
			// now what o says.
			d.canon, _ = b.canonicalOf(b.x, o.Kind, o.Node)
		}
		return true
	}
	if b.alone {
		return false
	}
	canon, err := b.canonicalOf(b.x, o.Kind, o.Node)
	if err == nil {
		err = b.definitionCanon(first)
	}
	switch {
	case err != nil:
		b.fail(o.source(), key, errInvalid, "", "%s", err)
	case bytes.Equal(first.canon, canon):
		b.note(o.source(), "%s is defined again, identically, at %s: read once", key, first.pos)
	default:
		b.fail(o.source(), key, errDuplicate, "remove one of them, or make them the same",
			"defined twice, differently: here and at %s; %s", first.pos, difference(canon, first.canon))
	}
	return false
}

// canonicalOf is the canonical form of object node n of kind.
func (b *builder) canonicalOf(x *expander, kind string, n *yaml.Node) ([]byte, error) {
	data, err := x.renderJSON(n)
	if err != nil {
		return nil, err
	}
	return canonical(kind, data)
}

// definitionCanon works out d.canon: it parses d's chunk again and sets
// the canonical form of every first definition in it.
func (b *builder) definitionCanon(d *definition) error {
	if d.canon != nil {
		return nil
	}
	if b.dups.at == nil {
		b.dups.at = make(map[defPos]string, len(b.seen))
		b.dups.reparse = map[defPos]bool{}
		for key, s := range b.seen {
			b.dups.at[s.at] = key
		}
	}
	var c chunk
	for next := range documents(b.files[d.at.file].Data) {
		if next.Line > d.at.line {
			break
		}
		c = next
	}
	ck := defPos{file: d.at.file, line: c.Line}
	if b.dups.reparse[ck] {
		return errNotFound // parsed again already, and d was not in it
	}
	b.dups.reparse[ck] = true
	docs, _, _ := parseChunk(c)
	x := &expander{left: limits.None, budget: limits.None}
	x.newDocument()
	var err error
	for _, doc := range docs {
		walkMappings(doc, func(n *yaml.Node) {
			p := defPos{d.at.file, n.Line, n.Column}
			s := b.seen[b.dups.at[p]]
			if s == nil || s.at != p || s.canon != nil || err != nil {
				return
			}
			if s.kind != "Pod" {
				n = withoutStatus(n)
			}
			s.canon, err = b.canonicalOf(x, s.kind, n)
		})
	}
	if err == nil && d.canon == nil {
		err = errNotFound
	}
	return err
}

// errNotFound is a first definition not found where it was read: a bug.
var errNotFound = &nodeError{Msg: "the first definition could not be read again"}

// walkMappings calls f with every mapping node of the tree at n. Aliases
// are not followed: what they refer to is in the tree.
func walkMappings(n *yaml.Node, f func(*yaml.Node)) {
	if n.Kind == yaml.MappingNode {
		f(n)
	}
	for _, c := range n.Content {
		walkMappings(c, f)
	}
}
