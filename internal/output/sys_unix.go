//go:build unix

package output

import (
	"errors"
	"os"
	"path"
	"syscall"

	"golang.org/x/sys/unix"
)

// moveBetween renames from (in root a) to to (in root b), as renameat(2)
// on the two folders opened through the roots: neither name can lead
// outside its root, and the final names are never followed.
func moveBetween(a *os.Root, from string, b *os.Root, to string) error {
	da, err := a.Open(path.Dir(from))
	if err != nil {
		return err
	}
	defer da.Close()
	db, err := b.Open(path.Dir(to))
	if err != nil {
		return err
	}
	defer db.Close()
	if err := unix.Renameat(int(da.Fd()), path.Base(from), int(db.Fd()), path.Base(to)); err != nil {
		return &os.LinkError{Op: "rename", Old: from, New: to, Err: err}
	}
	return nil
}

// renameIn renames from (in folder ra of a) to to (in folder rb of b)
// through the folders' directories, opened once (folders.dir).
func renameIn(a *folders, ra *os.Root, from string, b *folders, rb *os.Root, to string) error {
	da, err := a.dir(ra)
	if err != nil {
		return err
	}
	db, err := b.dir(rb)
	if err != nil {
		return err
	}
	if err := unix.Renameat(int(da.Fd()), from, int(db.Fd()), to); err != nil {
		return &os.LinkError{Op: "rename", Old: from, New: to, Err: err}
	}
	return nil
}

// sameDevice reports whether a and b are on the same file system, so that
// a rename between them is atomic.
func sameDevice(a, b string) bool {
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	if errA != nil || errB != nil {
		return false
	}
	sa, okA := fa.Sys().(*syscall.Stat_t)
	sb, okB := fb.Sys().(*syscall.Stat_t)
	return okA && okB && sa.Dev == sb.Dev
}

// tryLock takes an exclusive flock(2) on f without waiting; busy is true
// when another process holds it.
func tryLock(f *os.File) (busy bool, err error) {
	err = unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
	if errors.Is(err, unix.EWOULDBLOCK) {
		return true, nil
	}
	return false, err
}

// unlock releases the lock on f.
func unlock(f *os.File) { _ = unix.Flock(int(f.Fd()), unix.LOCK_UN) }

// isNoSpace reports whether err means the file system is full (or the
// user's quota is).
func isNoSpace(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}
