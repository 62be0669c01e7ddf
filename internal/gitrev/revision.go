package gitrev

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/netpolc/netpolc/internal/diag"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/index"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// Revision returns the files of a commit. rev is a commit as git names it
// and go-git resolves it exactly: HEAD (or @), a branch, origin/main, a
// tag, a full or abbreviated hash, each optionally followed by ~N, ^N and
// ^ steps; other forms (reflog entries, trees, paths, ranges, ambiguous
// hashes) are refused with ErrUnknownRevision and a hint, never resolved
// to another commit. A revision that cannot exist yet —
// HEAD of a repository without commits, or first parents walked past the
// first commit — gives a Missing tree (no files), so the first commit
// compares against "no policies". A name git does not know is
// ErrUnknownRevision.
func (r *Repo) Revision(rev string) (*Tree, error) {
	if rev == "" {
		return nil, fmt.Errorf("%w: empty revision", ErrUnknownRevision)
	}
	if err := checkRevision(rev); err != nil {
		return nil, err
	}
	base, _, _ := splitAncestry(rev)
	if err := r.checkAmbiguous(base); err != nil {
		return nil, err
	}
	if base == "@" {
		rev = "HEAD" + strings.TrimPrefix(rev, "@")
	}
	h, err := r.git.ResolveRevision(plumbing.Revision(rev))
	if err != nil {
		t, err := r.missingRevision(rev, err)
		return t, r.shallow(rev, err)
	}
	c, err := r.git.CommitObject(*h)
	if err != nil {
		return nil, r.shallow(rev, fmt.Errorf("%s: %w", rev, err))
	}
	return r.commitTree(rev, c)
}

// shallow explains a missing object in a shallow clone, where the history
// a revision needs was never fetched.
func (r *Repo) shallow(rev string, err error) error {
	if err == nil || !errors.Is(err, plumbing.ErrObjectNotFound) && !errors.Is(err, ErrUnknownRevision) {
		return err
	}
	if cut, serr := r.git.Storer.Shallow(); serr != nil || len(cut) == 0 {
		return err
	}
	return &diag.Diagnostic{Severity: diag.Error, Msg: fmt.Sprintf("%v %q in a shallow clone: its history was not fetched", ErrUnknownRevision, rev),
		Hint: "fetch more history (git fetch --deepen=50, or --unshallow); in GitHub Actions, actions/checkout with fetch-depth: 0", Err: ErrUnknownRevision}
}

// commitTree wraps a commit.
func (r *Repo) commitTree(rev string, c *object.Commit) (*Tree, error) {
	root, err := c.Tree()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", rev, err)
	}
	name := rev
	if short := c.Hash.String()[:7]; !strings.HasPrefix(c.Hash.String(), rev) {
		name += " (" + short + ")"
	}
	return &Tree{Name: name, Commit: c.Hash.String(), src: &lockedSource{mu: &r.mu, src: &commitSource{repo: r, root: root, hashes: map[string]plumbing.Hash{}}}}, nil
}

// missingRevision decides whether a revision that does not resolve is one
// that does not exist yet (Missing) or an unknown name (an error).
func (r *Repo) missingRevision(rev string, cause error) (*Tree, error) {
	base, steps, ok := splitAncestry(rev)
	if !ok {
		return nil, fmt.Errorf("%w %q: %w", ErrUnknownRevision, rev, cause)
	}
	if base == "HEAD" || base == "@" {
		if _, err := r.git.Head(); errors.Is(err, plumbing.ErrReferenceNotFound) {
			return &Tree{Name: rev + " (no commits yet)", Missing: true}, nil
		}
	}
	h, err := r.git.ResolveRevision(plumbing.Revision(base))
	if err != nil || len(steps) == 0 {
		return nil, fmt.Errorf("%w %q: %w", ErrUnknownRevision, rev, cause)
	}
	c, err := r.git.CommitObject(*h)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", rev, err)
	}
	for _, parent := range steps {
		switch {
		case parent == 0:
			continue
		case c.NumParents() == 0 && parent == 1:
			return &Tree{Name: rev + " (before the first commit)", Missing: true}, nil
		case parent > c.NumParents():
			return nil, fmt.Errorf("%w %q: commit %s has %d parent(s)", ErrUnknownRevision, rev, c.Hash.String()[:7], c.NumParents())
		}
		if c, err = c.Parent(parent - 1); err != nil {
			return nil, fmt.Errorf("%s: %w", rev, err)
		}
	}
	return r.commitTree(rev, c)
}

// splitAncestry splits "NAME~2^" into NAME and the parent steps (the
// parent number taken at each step: ~N is N steps of 1, ^N one step of N).
// ok is false when rev has a form this does not understand.
func splitAncestry(rev string) (base string, steps []int, ok bool) {
	i := strings.IndexAny(rev, "~^")
	if i < 0 {
		return rev, nil, true
	}
	base, rest := rev[:i], rev[i:]
	for rest != "" {
		op := rest[0]
		rest = rest[1:]
		j := 0
		for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
			j++
		}
		n := 1
		if j > 0 {
			var err error
			if n, err = strconv.Atoi(rest[:j]); err != nil {
				return "", nil, false
			}
		}
		rest = rest[j:]
		switch op {
		case '~':
			for range n {
				steps = append(steps, 1)
			}
		case '^':
			steps = append(steps, n)
		default:
			return "", nil, false
		}
	}
	return base, steps, base != ""
}

// Index returns the files staged in the index: what the next commit
// will hold. Like git, it reads the index file GIT_INDEX_FILE names when
// that is set: git points hooks at a temporary index for `git commit -a`
// and `git commit PATH...`, and that index is what will be committed.
func (r *Repo) Index() (*Tree, error) {
	idx, err := r.readIndex()
	if err != nil {
		return nil, fmt.Errorf("read the git index: %w", err)
	}
	s := &indexSource{repo: r, entries: map[string]plumbing.Hash{}}
	for _, e := range idx.Entries {
		switch {
		case e.Stage != 0:
			s.conflicts = append(s.conflicts, e.Name)
		case e.IntentToAdd || !isFileMode(e.Mode):
			// `git add -N` records a path, not content; links and
			// submodules are not files.
		default:
			s.entries[e.Name] = e.Hash
			s.names = append(s.names, e.Name)
		}
	}
	sort.Strings(s.names)
	s.ids = make([]plumbing.Hash, len(s.names))
	for i, name := range s.names {
		s.ids[i] = s.entries[name]
	}
	return &Tree{Name: "the staged index", src: s}, nil
}

// WorkTree returns the files on disk in the work tree.
func (r *Repo) WorkTree() *Tree {
	return &Tree{Name: "the work tree", src: &workSource{root: r.root}}
}

// readIndex decodes the index: GIT_INDEX_FILE's, or the repository's.
func (r *Repo) readIndex() (*index.Index, error) {
	name := os.Getenv("GIT_INDEX_FILE")
	if name == "" {
		return r.git.Storer.Index()
	}
	f, err := os.Open(name)
	if errors.Is(err, fs.ErrNotExist) {
		// git itself reads a missing index as empty, which would make
		// every intent "not staged": say what is wrong instead.
		return nil, &diag.Diagnostic{Severity: diag.Error, Msg: fmt.Sprintf("GIT_INDEX_FILE names %s, which does not exist", name),
			Hint: "git sets GIT_INDEX_FILE for hooks; outside one, unset it (or point it at an existing index)", Err: err}
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	idx := &index.Index{}
	if err := index.NewDecoder(bufio.NewReader(f)).Decode(idx); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return idx, nil
}
