// Package atomicfile writes files so that a reader, or a crash, sees the
// old content or the new one and never part of either. It is netpolc's one
// way of writing a file the user keeps: the output's record and journal
// (internal/output), the pre-commit hook (internal/precommit) and the
// example intents of `netpolc init` (internal/scaffold).
//
// A file is written to a temporary name in its own directory, created with
// the requested mode (less the umask, as for any file a program creates),
// flushed to disk, then renamed over the target (WriteFile) or linked to
// it (CreateFile, which never replaces), and the directory is flushed. The
// *In variants work inside an os.Root and cannot touch anything outside it.
package atomicfile

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
)

// WriteFile replaces name with data atomically. The file gets mode perm
// less the umask.
func WriteFile(name string, data []byte, perm fs.FileMode) error {
	return inDir(name, func(root *os.Root, base string) error {
		return WriteFileIn(root, base, data, perm)
	})
}

// CreateFile writes data to name atomically, failing with an error
// matching fs.ErrExist when name exists, also if it appears meanwhile: it
// never replaces a file.
func CreateFile(name string, data []byte, perm fs.FileMode) error {
	return inDir(name, func(root *os.Root, base string) error {
		return createFileIn(root, base, data, perm)
	})
}

// WriteFileIn is WriteFile for name (slash-separated) inside root.
func WriteFileIn(root *os.Root, name string, data []byte, perm fs.FileMode) error {
	tmp, err := writeTemp(root, name, data, perm)
	if err != nil {
		return err
	}
	if err := root.Rename(tmp, name); err != nil {
		_ = root.Remove(tmp)
		return pathErr("rename", name, err)
	}
	SyncDir(root, path.Dir(name))
	return nil
}

// createFileIn is CreateFile for name (slash-separated) inside root.
func createFileIn(root *os.Root, name string, data []byte, perm fs.FileMode) error {
	tmp, err := writeTemp(root, name, data, perm)
	if err != nil {
		return err
	}
	defer root.Remove(tmp) //nolint:errcheck // the temporary name only
	lerr := root.Link(tmp, name)
	switch {
	case lerr == nil:
	case errors.Is(lerr, fs.ErrExist):
		return pathErr("create", name, fs.ErrExist)
	default:
		// A file system without hard links: exclusive create is still
		// never a replacement, though a crash may leave part of it.
		if err := writeSyncedIn(root, name, data, perm); err != nil {
			return err
		}
	}
	SyncDir(root, path.Dir(name))
	return nil
}

// writeSyncedIn creates name inside root (it must not exist) with data and
// flushes it to disk. It is not atomic by itself: it is for files in a
// private staging directory that are renamed into place later.
func writeSyncedIn(root *os.Root, name string, data []byte, perm fs.FileMode) error {
	f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return pathErr("create", name, err)
	}
	if err := writeAndSync(f, data); err != nil {
		_ = root.Remove(name)
		return pathErr("write", name, err)
	}
	return nil
}

// WriteIn creates name inside root (it must not exist) with data, without
// flushing it: for a staging directory whose files are flushed together
// (SyncTree) before anything depends on them.
func WriteIn(root *os.Root, name string, data []byte, perm fs.FileMode) error {
	f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return pathErr("create", name, err)
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = root.Remove(name)
		return pathErr("write", name, err)
	}
	return nil
}

// SyncDir flushes a directory's entries (renames and links into it) to
// disk. Some file systems cannot sync a directory; that only costs
// durability on a power loss, so it reports nothing.
func SyncDir(root *os.Root, dir string) {
	if d, err := root.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}

// writeTemp writes data to a new temporary file beside name and returns
// the temporary file's name.
func writeTemp(root *os.Root, name string, data []byte, perm fs.FileMode) (string, error) {
	dir, base := path.Split(name)
	for range 100 {
		var b [8]byte
		for i := range b {
			b[i] = byte(rand.Uint32())
		}
		tmp := dir + "." + base + ".tmp-" + hex.EncodeToString(b[:])
		err := writeSyncedIn(root, tmp, data, perm)
		if !errors.Is(err, fs.ErrExist) {
			return tmp, err
		}
	}
	return "", pathErr("create", name, errors.New("no free temporary name"))
}

// writeAndSync writes data to f, flushes it to disk and closes f.
func writeAndSync(f *os.File, data []byte) error {
	_, err := f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// inDir opens the directory of name as a root and calls fn with it and the
// base name.
func inDir(name string, fn func(root *os.Root, base string) error) error {
	dir, base := filepath.Split(name)
	if dir == "" {
		dir = "."
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return pathErr("open", name, err)
	}
	defer root.Close()
	if err := fn(root, base); err != nil {
		return pathErr("write", name, err)
	}
	return nil
}

// pathErr is err as an *fs.PathError naming name, with the innermost cause
// kept for errors.Is (fs.ErrExist, syscall.ENOSPC, ...).
func pathErr(op, name string, err error) error {
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		err = pe.Err
	case errors.As(err, &le):
		err = le.Err
	}
	if err == nil {
		err = fmt.Errorf("%s failed", op)
	}
	return &fs.PathError{Op: op, Path: name, Err: err}
}
