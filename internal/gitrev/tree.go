package gitrev

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/limits"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// Tree is a read-only snapshot of a repository's files: a commit, the
// staged index or the work tree. Trees are safe for concurrent use.
type Tree struct {
	// Name describes the snapshot for people: "HEAD~1 (3f2a9c1)", "the
	// staged index", "the work tree".
	Name string
	// Missing marks a revision that does not exist yet, such as HEAD
	// before the first commit: it holds no files.
	Missing bool
	// Commit is the full hash of a revision's commit ("" for the index,
	// the work tree and a Missing revision).
	Commit string
	src    source
}

// source is where a Tree's files come from.
type source interface {
	// list returns the regular files in dir (a cleaned repository path,
	// "" for the root), sorted, recursively or not.
	list(dir string, recursive bool) ([]string, error)
	// file reports whether p is a regular file.
	file(p string) (bool, error)
	read(p string) ([]byte, error)
	// id is the git blob id of a listed file.
	id(p string) (plumbing.Hash, error)
}

// BlobID is the git object id of a file with this content: what `git
// hash-object` prints.
func BlobID(data []byte) string { return plumbing.ComputeHash(plumbing.BlobObject, data).String() }

// IDs returns the git blob id of every regular file in dir (recursive),
// keyed by repository path. Revisions and the index store the ids, so no
// content is read: comparing thousands of generated files with what a
// build makes costs one hash per generated file. The work tree hashes its
// files.
func (t *Tree) IDs(dir string) (map[string]string, error) { return t.IDsIn(dir, true) }

// IDsIn is IDs of the files directly in dir, or (recursive) below it.
func (t *Tree) IDsIn(dir string, recursive bool) (map[string]string, error) {
	ids, err := t.SortedIDs(dir, recursive)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(ids))
	for _, f := range ids {
		out[f.Path] = f.ID.String()
	}
	return out, nil
}

// FileID is a file of a snapshot and its git blob id.
type FileID struct {
	Path string // repository path
	ID   plumbing.Hash
}

// SortedIDs is IDsIn as a list sorted by path: revisions and the index
// list them with their ids (40,000 output files: a map and a lookup per
// file were most of what hashing a snapshot's inputs cost).
func (t *Tree) SortedIDs(dir string, recursive bool) ([]FileID, error) {
	if t.Missing {
		return nil, nil
	}
	return listIDs(t.src, cleanDir(dir), recursive)
}

// listIDs lists a source's files with their ids: at once when it can,
// else name by name.
func listIDs(src source, dir string, recursive bool) ([]FileID, error) {
	if l, ok := src.(idLister); ok {
		return l.listIDs(dir, recursive)
	}
	names, err := src.list(dir, recursive)
	if err != nil {
		return nil, err
	}
	out := make([]FileID, len(names))
	for i, name := range names {
		h, err := src.id(name)
		if err != nil {
			return nil, err
		}
		out[i] = FileID{name, h}
	}
	return out, nil
}

// idLister is a source that lists its files with their ids, sorted by
// path, at no more cost than the names.
type idLister interface {
	listIDs(dir string, recursive bool) ([]FileID, error)
}

// Read returns the regular files in dir (a repository path; "" or "." is
// the root) whose path relative to dir passes keep (nil keeps all), keyed
// by repository path. With recursive, subdirectories are read too. A dir
// the tree does not have gives no files; a dir that names a file gives
// that file, whatever keep says. Symbolic links and submodules are not
// files here.
func (t *Tree) Read(dir string, recursive bool, keep func(rel string) bool) (map[string][]byte, error) {
	out := map[string][]byte{}
	if t.Missing {
		return out, nil
	}
	dir = cleanDir(dir)
	if dir != "" {
		isFile, err := t.src.file(dir)
		if err != nil {
			return nil, err
		}
		if isFile {
			data, err := t.src.read(dir)
			if err != nil {
				return nil, err
			}
			out[dir] = data
			return out, nil
		}
	}
	names, err := t.src.list(dir, recursive)
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		rel, _ := under(name, dir, true)
		if keep != nil && !keep(rel) {
			continue
		}
		data, err := t.src.read(name)
		if err != nil {
			return nil, err
		}
		out[name] = data
	}
	return out, nil
}

// Has reports whether p names a file, or a directory holding files, in
// the tree.
func (t *Tree) Has(p string) (bool, error) {
	if t.Missing {
		return false, nil
	}
	p = cleanDir(p)
	if p == "" {
		return true, nil
	}
	if ok, err := t.src.file(p); ok || err != nil {
		return ok, err
	}
	names, err := t.src.list(p, true)
	return len(names) > 0, err
}

// isFileMode reports whether a git mode is a regular (or executable) file.
func isFileMode(m filemode.FileMode) bool { return m.IsRegular() || m == filemode.Executable }

// blobBytes bounds one file read from a snapshot, before it is read: the
// intents and manifests readers bound their inputs too, but only once the
// bytes are in memory.
var blobBytes = limits.New("git-blob-bytes", 64<<20, "bytes of one file read from a git revision or the index")

// readBlob reads a blob's content.
func (r *Repo) readBlob(name string, h plumbing.Hash) ([]byte, error) {
	b, err := r.git.BlobObject(h)
	if err != nil {
		return nil, fmt.Errorf("%s: read blob %s: %w", name, h, err)
	}
	max, err := blobBytes.Value()
	if err != nil {
		return nil, err
	}
	if b.Size > max {
		return nil, &diag.Diagnostic{Severity: diag.Error, Pos: diag.Pos{File: name},
			Msg: fmt.Sprintf("%d bytes, more than netpolc reads from one file of a revision (%d)", b.Size, max), Hint: blobBytes.Hint(b.Size)}
	}
	rd, err := b.Reader()
	if err != nil {
		return nil, fmt.Errorf("%s: read blob %s: %w", name, h, err)
	}
	defer rd.Close()
	data, err := io.ReadAll(rd)
	if err != nil {
		return nil, fmt.Errorf("%s: read blob %s: %w", name, h, err)
	}
	return data, nil
}

// commitSource reads a commit's tree.
type commitSource struct {
	repo *Repo
	root *object.Tree
	// hashes of the files listed so far, so read needs no second lookup.
	hashes map[string]plumbing.Hash
}

func (s *commitSource) list(dir string, recursive bool) ([]string, error) {
	ids, err := s.listIDs(dir, recursive)
	out := make([]string, len(ids))
	for i, f := range ids {
		s.hashes[f.Path] = f.ID
		out[i] = f.Path
	}
	return out, err
}

func (s *commitSource) listIDs(dir string, recursive bool) ([]FileID, error) {
	t := s.root
	if dir != "" {
		sub, err := s.root.Tree(dir)
		switch {
		case errors.Is(err, object.ErrDirectoryNotFound), errors.Is(err, object.ErrEntryNotFound):
			return nil, nil
		case err != nil:
			return nil, fmt.Errorf("%s: %w", dir, err)
		}
		t = sub
	}
	var out []FileID
	w := object.NewTreeWalker(t, recursive, nil)
	defer w.Close()
	for {
		name, e, err := w.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", dir, err)
		}
		if !isFileMode(e.Mode) {
			continue
		}
		full := name
		if dir != "" {
			full = dir + "/" + name
		}
		out = append(out, FileID{full, e.Hash})
	}
	// Git's tree order is the order of full paths; sorted anyway, cheaply
	// when it is.
	if !slices.IsSortedFunc(out, compareFileIDs) {
		slices.SortFunc(out, compareFileIDs)
	}
	return out, nil
}

func compareFileIDs(a, b FileID) int { return strings.Compare(a.Path, b.Path) }

func (s *commitSource) file(p string) (bool, error) {
	e, err := s.root.FindEntry(p)
	switch {
	case errors.Is(err, object.ErrEntryNotFound), errors.Is(err, object.ErrDirectoryNotFound):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("%s: %w", p, err)
	}
	if !isFileMode(e.Mode) {
		return false, nil
	}
	s.hashes[p] = e.Hash
	return true, nil
}

func (s *commitSource) id(p string) (plumbing.Hash, error) {
	if h, ok := s.hashes[p]; ok {
		return h, nil
	}
	f, err := s.root.File(p)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("%s: %w", p, err)
	}
	return f.Hash, nil
}

func (s *commitSource) read(p string) ([]byte, error) {
	h, ok := s.hashes[p]
	if !ok {
		f, err := s.root.File(p)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		h = f.Hash
	}
	return s.repo.readBlob(p, h)
}

// indexSource reads the staged index.
type indexSource struct {
	repo    *Repo
	entries map[string]plumbing.Hash // stage 0 files
	names   []string                 // sorted
	ids     []plumbing.Hash          // names' ids
	// conflicts are the paths with unmerged stages.
	conflicts []string
}

func (s *indexSource) list(dir string, recursive bool) ([]string, error) {
	ids, err := s.listIDs(dir, recursive)
	out := make([]string, len(ids))
	for i, f := range ids {
		out[i] = f.Path
	}
	return out, err
}

func (s *indexSource) listIDs(dir string, recursive bool) ([]FileID, error) {
	for _, c := range s.conflicts {
		if _, ok := under(c, dir, true); ok {
			return nil, fmt.Errorf("%s: %w: resolve it and stage the result", c, ErrConflict)
		}
	}
	var out []FileID
	i := sort.SearchStrings(s.names, dir)
	for ; i < len(s.names); i++ {
		name := s.names[i]
		if dir != "" && !strings.HasPrefix(name, dir) {
			break
		}
		if _, ok := under(name, dir, recursive); ok {
			out = append(out, FileID{name, s.ids[i]})
		}
	}
	return out, nil
}

func (s *indexSource) file(p string) (bool, error) {
	_, ok := s.entries[p]
	return ok, nil
}

func (s *indexSource) id(p string) (plumbing.Hash, error) {
	h, ok := s.entries[p]
	if !ok {
		return plumbing.ZeroHash, fmt.Errorf("%s: not in the index", p)
	}
	return h, nil
}

func (s *indexSource) read(p string) ([]byte, error) {
	h, ok := s.entries[p]
	if !ok {
		return nil, fmt.Errorf("%s: not in the index", p)
	}
	s.repo.mu.Lock() // go-git's storage (see lockedSource)
	defer s.repo.mu.Unlock()
	return s.repo.readBlob(p, h)
}

// workSource reads the work tree on disk.
type workSource struct{ root string }

func (s *workSource) list(dir string, recursive bool) ([]string, error) {
	base := filepath.Join(s.root, filepath.FromSlash(dir))
	var out []string
	err := filepath.WalkDir(base, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == base && errors.Is(err, fs.ErrNotExist) {
				return fs.SkipAll
			}
			return err
		}
		if d.IsDir() {
			if p != base && (!recursive || d.Name() == ".git") {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(s.root, p)
		if err != nil {
			return err
		}
		out = append(out, filepath.ToSlash(rel))
		return nil
	})
	sort.Strings(out)
	return out, err
}

func (s *workSource) file(p string) (bool, error) {
	fi, err := os.Stat(filepath.Join(s.root, filepath.FromSlash(p)))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	case err != nil:
		return false, err
	}
	return fi.Mode().IsRegular(), nil
}

func (s *workSource) id(p string) (plumbing.Hash, error) {
	data, err := s.read(p)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	return plumbing.ComputeHash(plumbing.BlobObject, data), nil
}

func (s *workSource) read(p string) ([]byte, error) {
	return os.ReadFile(filepath.Join(s.root, filepath.FromSlash(p)))
}
