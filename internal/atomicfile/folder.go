package atomicfile

import (
	"io/fs"
	"os"
	"strings"
)

// A Folder creates new files in one directory of a staging tree, without
// flushing them (SyncTree flushes the tree at once): for a build that
// creates tens of thousands of files, the per-file cost is the kernel's.
type Folder struct {
	dir *os.Root
	sys folderSys // the platform's direct way in, when it has one
}

// OpenFolder opens the directory dir (slash-separated, existing) inside
// root to create files in.
func OpenFolder(root *os.Root, dir string) (*Folder, error) {
	d, err := root.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	f := &Folder{dir: d}
	f.sys = openFolderSys(d)
	return f, nil
}

// Create creates name (a base name: no '/') with data; it must not exist.
// On an error nothing of it is left.
func (f *Folder) Create(name string, data []byte, perm fs.FileMode) error {
	if f.sys.ok() && !strings.ContainsRune(name, '/') {
		return f.sys.create(name, data, perm)
	}
	return WriteIn(f.dir, name, data, perm)
}

// Close releases the directory.
func (f *Folder) Close() error {
	f.sys.close()
	return f.dir.Close()
}
