//go:build !linux

package atomicfile

import (
	"io/fs"
	"os"
)

// folderSys: elsewhere files are created through the folder's root.
type folderSys struct{}

func openFolderSys(*os.Root) folderSys { return folderSys{} }

func (folderSys) ok() bool { return false }

func (folderSys) create(dir *os.Root, name string, data []byte, perm fs.FileMode) error {
	return WriteIn(dir, name, data, perm)
}

func (folderSys) close() {}
