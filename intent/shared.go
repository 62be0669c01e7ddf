package intent

import (
	"crypto/sha256"
	"fmt"
	"hash"
	"sync"
	"sync/atomic"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/token"
)

// Shared lets the loads of one process share the evaluation of parts (see
// Parts) that are the same in each: `netpolc verify` and `diff` load the
// base and the head of a change, which are mostly the same declarations
// at the same places. A part is shared only when everything its
// evaluation reads is the same — the bytes and positions of its
// declarations, its files' package clauses and imports, the directory
// positions are shown in, the limits — and the schema and templates,
// which are the binary's own. Anything else (a whole package, a part whose
// syntax has no position) is evaluated by each load.
//
// A shared part's CUE values are one evaluation's: two compiles must not
// read them at once (CUE values are not safe for concurrent use). The
// caller orders them (gate.loadSides compiles the head, then the base).
type Shared struct {
	mu    sync.Mutex
	parts map[[sha256.Size]byte]*sharedPart
	// evaluated counts the parts evaluated through the cache.
	evaluated atomic.Int64
}

type sharedPart struct {
	once sync.Once
	set  *Set
	ok   bool
}

// NewShared is an empty Shared.
func NewShared() *Shared {
	return &Shared{parts: map[[sha256.Size]byte]*sharedPart{}}
}

// LoadFiles is LoadFiles, reusing the parts evaluated by earlier loads
// through sh (a nil sh shares nothing).
func (sh *Shared) LoadFiles(dir string, files map[string][]byte) (*Set, error) {
	lim, err := envLimits()
	if err != nil {
		return nil, err
	}
	return sh.LoadFilesWith(dir, files, lim)
}

// LoadFilesWith is LoadFilesWith, sharing parts through sh.
func (sh *Shared) LoadFilesWith(dir string, files map[string][]byte, lim Limits) (*Set, error) {
	return loadFiles(dir, files, lim, sum(files), sh)
}

// Evaluated is how many parts were evaluated through sh: one per distinct
// part, however many loads had it.
func (sh *Shared) Evaluated() int { return int(sh.evaluated.Load()) }

// part evaluates pp through the cache: once per key, the first load's
// result for the others. Without a key (the part's syntax cannot be
// pinned down) it is evaluated on its own.
func (sh *Shared) part(s *Set, pp partPlan) (*Set, bool) {
	if sh == nil {
		return s.evaluatePart(pp)
	}
	key, ok := partKey(s, pp)
	if !ok {
		return s.evaluatePart(pp)
	}
	sh.mu.Lock()
	e := sh.parts[key]
	if e == nil {
		e = &sharedPart{}
		sh.parts[key] = e
	}
	sh.mu.Unlock()
	e.once.Do(func() {
		sh.evaluated.Add(1)
		e.set, e.ok = s.evaluatePart(pp)
	})
	return e.set, e.ok
}

// partKey is a hash of everything a part's evaluation reads beside the
// binary: the display directory and limits, and for its files (evaluated
// and raw) each file's name and every declaration's source text with the
// line and column it starts at (which fix every position inside it),
// comments attached included: an edit that leaves the lines where they
// were (a value changed in place) or comes after them leaves a
// declaration's key alone. False when a declaration has no position in its
// source (nothing to compare).
func partKey(s *Set, pp partPlan) (key [sha256.Size]byte, ok bool) {
	h := sha256.New()
	fmt.Fprintf(h, "netpolc part 1\x00%q\x00%#v\x00", s.Dir, s.Limits)
	for _, files := range []map[string]*ast.File{pp.files, pp.raw} {
		fmt.Fprintf(h, "files %d\x00", len(files))
		for _, name := range sortedNames(files) {
			src, found := s.sources[name]
			if !found {
				return key, false
			}
			fmt.Fprintf(h, "file %q %d\x00", name, len(files[name].Decls))
			for _, d := range files[name].Decls {
				nodes := []ast.Node{d}
				if imp, isImport := d.(*ast.ImportDecl); isImport {
					nodes = nodes[:0]
					for _, spec := range imp.Specs {
						nodes = append(nodes, spec)
					}
					fmt.Fprintf(h, "import %d\x00", len(nodes))
				}
				for _, n := range nodes {
					if !hashNode(h, n, src) {
						return key, false
					}
				}
			}
		}
	}
	copy(key[:], h.Sum(nil))
	return key, true
}

// hashNode writes a node's kind, where it starts and its source text,
// and those of the comments attached to it.
func hashNode(h hash.Hash, n ast.Node, src []byte) bool {
	start, end := n.Pos(), n.End()
	for _, cg := range ast.Comments(n) {
		if p := cg.Pos(); p.IsValid() && p.Offset() < start.Offset() {
			start = p
		}
		if e := cg.End(); e.IsValid() && e.Offset() > end.Offset() {
			end = e
		}
	}
	if !start.IsValid() || !end.IsValid() || start.Offset() > end.Offset() || end.Offset() > len(src) {
		return false
	}
	// Where the node starts, as positions are read (Set.Pos: line and
	// column; the offset is the evaluator's own).
	fmt.Fprintf(h, "%T %s %d %d\x00", n, posFile(start), start.Line(), start.Column())
	h.Write(src[start.Offset():end.Offset()])
	h.Write([]byte{0})
	return true
}

// posFile is the file a position is in.
func posFile(p token.Pos) string {
	if f := p.File(); f != nil {
		return f.Name()
	}
	return ""
}
