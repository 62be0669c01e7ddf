package output

import (
	"errors"
	"os"
	"path"
)

// folders keeps one handle open on each folder of a root that a switch
// touches. os.Root resolves a path one component at a time, so checking
// and moving ten thousand files through the output's and the stage's
// roots opened every folder on the way again, several times per file;
// through a folder's own handle it is one call. The handles are opened
// beneath the root, like any path through it.
type folders struct {
	root *os.Root
	open map[string]*os.Root
	// dirs are the folders' directories opened once each, for renames
	// (renameIn): opening and closing both folders for every file was
	// four calls more per file.
	dirs map[*os.Root]*os.File
}

func newFolders(root *os.Root) *folders {
	return &folders{root: root, open: map[string]*os.Root{}, dirs: map[*os.Root]*os.File{}}
}

// dir is the directory of a folder's handle, opened once.
func (f *folders) dir(r *os.Root) (*os.File, error) {
	if d, ok := f.dirs[r]; ok {
		return d, nil
	}
	d, err := r.Open(".")
	if err != nil {
		return nil, err
	}
	f.dirs[r] = d
	return d, nil
}

// of returns the handle on name's folder and name's base name.
func (f *folders) of(name string) (*os.Root, string, error) {
	dir, base := path.Dir(name), path.Base(name)
	if dir == "." {
		return f.root, base, nil
	}
	if r, ok := f.open[dir]; ok {
		return r, base, nil
	}
	r, err := f.root.OpenRoot(dir)
	if err != nil {
		return nil, "", err
	}
	f.open[dir] = r
	return r, base, nil
}

// lexists is lexists(root, name): a folder that is missing holds nothing.
func (f *folders) lexists(name string) (bool, error) {
	r, base, err := f.of(name)
	switch {
	case isMissing(err):
		return false, nil
	case err != nil:
		return false, err
	}
	return lexists(r, base)
}

// close releases the handles.
func (f *folders) close() {
	for _, d := range f.dirs {
		_ = d.Close()
	}
	clear(f.dirs)
	for _, r := range f.open {
		_ = r.Close()
	}
	clear(f.open)
}

// move is moveBetween(a.root, from, b.root, to), naming the paths as the
// roots do in errors.
func move(a *folders, from string, b *folders, to string) error {
	ra, fromBase, err := a.of(from)
	if err != nil {
		return err
	}
	rb, toBase, err := b.of(to)
	if err != nil {
		return err
	}
	err = renameIn(a, ra, fromBase, b, rb, toBase)
	var le *os.LinkError
	if errors.As(err, &le) {
		le.Old, le.New = from, to
	}
	return err
}
