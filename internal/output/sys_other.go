//go:build !unix

package output

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
)

// moveBetween renames from (in root a) to to (in root b). Without
// renameat(2) it renames by path.
func moveBetween(a *os.Root, from string, b *os.Root, to string) error {
	return os.Rename(filepath.Join(a.Name(), filepath.FromSlash(from)), filepath.Join(b.Name(), filepath.FromSlash(to)))
}

// renameIn renames from (in folder ra) to to (in folder rb).
func renameIn(_ *folders, ra *os.Root, from string, _ *folders, rb *os.Root, to string) error {
	return moveBetween(ra, from, rb, to)
}

// sameDevice reports whether a and b are on the same file system. Without
// a portable way to tell, it assumes they are; a failed rename then
// reports the error.
func sameDevice(a, b string) bool { return true }

// tryLock would take an exclusive lock on f. Without flock(2) there is no
// lock: concurrent builds into one output are not kept apart here.
func tryLock(f *os.File) (busy bool, err error) { return false, nil }

// unlock releases the lock on f.
func unlock(f *os.File) {}

// isNoSpace reports whether err means the file system is full.
func isNoSpace(err error) bool { return errors.Is(err, syscall.ENOSPC) }
