// Package worktree finds the git work tree a path belongs to, and its git
// directories, from the file system alone (no git binary, no go-git). It
// is the one walk up to the work tree root: netpolc.yaml is looked for up
// to it, paths in generated files are relative to it, the output must lie
// inside it, and the output's staging and lock live in its git directory.
package worktree

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ErrNoGitDir: a .git file does not name a git directory.
var ErrNoGitDir = errors.New("not a git directory")

// Root returns the root of the git work tree holding p (a file or
// directory, which need not exist): the closest directory at or above p
// with a .git entry (a directory, or a file for linked work trees and
// submodules). The root is absolute and clean; ok is false outside any
// work tree.
func Root(p string) (root string, ok bool, err error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", false, err
	}
	for dir := abs; ; {
		if _, err := os.Lstat(filepath.Join(dir, ".git")); err == nil {
			return dir, true, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false, nil
		}
		dir = parent
	}
}

// GitDir returns the git directory of the work tree at root: root/.git,
// or the directory a .git file names (a linked work tree's own directory
// under the main repository's worktrees/, or a submodule's).
func GitDir(root string) (string, error) {
	dot := filepath.Join(root, ".git")
	fi, err := os.Stat(dot)
	if err != nil {
		return "", err
	}
	if fi.IsDir() {
		return dot, nil
	}
	data, err := os.ReadFile(dot)
	if err != nil {
		return "", err
	}
	target, ok := strings.CutPrefix(strings.TrimSpace(string(data)), "gitdir:")
	if !ok {
		return "", fmt.Errorf("%s: %w: no gitdir line", dot, ErrNoGitDir)
	}
	dir := strings.TrimSpace(target)
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(root, dir)
	}
	return filepath.Clean(dir), nil
}

// CommonDir returns the repository's common git directory for the work
// tree at root: its git directory, or for a linked work tree the main
// repository's, which holds the shared hooks and config.
func CommonDir(root string) (string, error) {
	dir, err := GitDir(root)
	if err != nil {
		return "", err
	}
	common, err := os.ReadFile(filepath.Join(dir, "commondir"))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return dir, nil
	case err != nil:
		return "", err
	}
	c := strings.TrimSpace(string(common))
	if !filepath.IsAbs(c) {
		c = filepath.Join(dir, c)
	}
	return filepath.Clean(c), nil
}

// Within reports whether path p lies in dir or below it (both absolute
// and clean), and returns it relative to dir ("." for dir itself).
func Within(dir, p string) (string, bool) {
	rel, err := filepath.Rel(dir, p)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
		return "", false
	}
	return rel, true
}
