// Package filetree lists the files below a directory the way netpolc's
// path arguments (--manifests, --flows) read one: a symbolic link at the
// root is followed, hidden files and folders are left out, and the list
// is sorted.
package filetree

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Files lists the entries below the directory root that are not folders
// and that keep accepts, sorted.
func Files(root string, keep func(path string, d fs.DirEntry) bool) ([]string, error) {
	// WalkDir does not follow a symbolic link at its root; a trailing
	// separator makes the root the directory linked to. (Links inside
	// the tree are not followed into directories, so no walk runs in
	// circles.)
	if l, err := os.Lstat(root); err == nil && l.Mode()&fs.ModeSymlink != 0 {
		root += string(filepath.Separator)
	}
	var names []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		hidden := p != root && strings.HasPrefix(d.Name(), ".")
		switch {
		case d.IsDir() && hidden:
			return filepath.SkipDir
		case d.IsDir() || hidden:
			return nil
		}
		if keep(p, d) {
			names = append(names, p)
		}
		return nil
	})
	slices.Sort(names)
	return names, err
}
