// Package gitrev reads the files of a git repository as they are at a
// revision, in the staged index, or in the work tree. Revisions and the
// index are read with go-git straight from the object store: no checkout,
// no temporary clone, no git binary, and the work tree is never touched.
//
// Paths are slash-separated and relative to the root of the work tree, as
// git spells them.
package gitrev

import (
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"strings"
	"sync"

	"github.com/go-git/go-git/v5"

	"github.com/netpolc/netpolc/internal/worktree"
)

// Errors callers can test with errors.Is.
var (
	// ErrNotRepo: the path is not inside a git work tree.
	ErrNotRepo = errors.New("not inside a git work tree")
	// ErrUnknownRevision: git does not know the revision.
	ErrUnknownRevision = errors.New("unknown revision")
	// ErrOutside: a path lies outside the work tree.
	ErrOutside = errors.New("path outside the git work tree")
	// ErrConflict: the index holds unresolved merge conflicts.
	ErrConflict = errors.New("unresolved merge conflict in the index")
)

// Repo is an opened repository with a work tree.
type Repo struct {
	git  *git.Repository
	root string // absolute, cleaned
	// mu serialises the reads of every Tree of the repository (see
	// lockedSource).
	mu sync.Mutex
}

// Open opens the repository whose work tree holds path (a file or
// directory, which need not exist).
func Open(path string) (*Repo, error) {
	root, err := FindRoot(path)
	if err != nil {
		return nil, err
	}
	r, err := git.PlainOpenWithOptions(root, &git.PlainOpenOptions{EnableDotGitCommonDir: true})
	if err != nil {
		return nil, fmt.Errorf("open git repository %s: %w", root, err)
	}
	return &Repo{git: r, root: root}, nil
}

// FindRoot returns the root of the work tree holding p (worktree.Root):
// the closest directory at or above it with a .git entry.
func FindRoot(p string) (string, error) {
	root, ok, err := worktree.Root(p)
	switch {
	case err != nil:
		return "", err
	case !ok:
		return "", fmt.Errorf("%s: %w", p, ErrNotRepo)
	}
	return root, nil
}

// Root is the absolute path of the work tree root.
func (r *Repo) Root() string { return r.root }

// Rel converts a path on disk (relative to the working directory, or
// absolute) into a slash path relative to the work tree root; the root
// itself is ".".
func (r *Repo) Rel(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	rel, ok := worktree.Within(r.root, abs)
	if !ok {
		return "", fmt.Errorf("%s: %w %s", p, ErrOutside, r.root)
	}
	return filepath.ToSlash(rel), nil
}

// cleanDir normalises a repository path for prefix matching: "" for the
// root, otherwise a clean path without a trailing slash.
func cleanDir(p string) string {
	p = path.Clean("/" + strings.TrimSpace(filepath.ToSlash(p)))
	return strings.TrimPrefix(p, "/")
}

// under reports whether a repository path lies in dir (recursive) or
// directly in it, and returns the path relative to dir.
func under(name, dir string, recursive bool) (string, bool) {
	rel := name
	if dir != "" {
		var ok bool
		if rel, ok = strings.CutPrefix(name, dir+"/"); !ok {
			return "", false
		}
	}
	if !recursive && strings.Contains(rel, "/") {
		return "", false
	}
	return rel, true
}
