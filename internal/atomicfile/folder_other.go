//go:build !linux

package atomicfile

import (
	"errors"
	"io/fs"
	"os"
)

// folderSys: elsewhere files are created through the folder's root.
type folderSys struct{}

func openFolderSys(*os.Root) folderSys { return folderSys{} }

func (folderSys) ok() bool { return false }

// create is never called: ok is false, and Folder creates through its
// root.
func (folderSys) create(string, []byte, fs.FileMode) error { return errors.ErrUnsupported }

func (folderSys) close() {}
