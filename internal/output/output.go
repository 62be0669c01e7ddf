// Package output is the only code that writes generated files to the
// user's disk. It makes an output directory hold exactly the files of a
// build, keeps a record of what it wrote, removes what it wrote earlier
// and no longer produces, and never touches a file it did not write.
//
// A run first checks everything (the paths, the directory, the record, the
// files in the way) and only then writes: a refused run changes nothing.
// It holds an exclusive lock, stages the new files where git cannot see
// them and switches the tree under a journal, so an interrupted run is
// finished or undone by the next one (see area and journal).
package output

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/netpolc/netpolc/emitters/kit"
)

// RecordFile is the file in the output directory that records what netpolc
// wrote: one "<sha256>  <path>" line per file, sorted by path, the format
// of sha256sum, so `sha256sum -c .netpolc-files` checks it.
const RecordFile = ".netpolc-files"

// Errors wrapped by Write, for errors.Is.
var (
	// errNotDir: the output directory, or one of its parents, exists and is
	// not a directory.
	errNotDir = errors.New("not a directory")
	// errNotWritable: the output directory could not be created or written.
	errNotWritable = errors.New("cannot write the output directory")
	// errUnsafePath: a path is not a clean relative path inside the output
	// directory.
	errUnsafePath = errors.New("unsafe output path")
	// errConflict: a file that netpolc did not write is where output goes.
	errConflict = errors.New("conflicts with a file netpolc did not write")
	// errRecord: the record of written files cannot be read.
	errRecord = errors.New("bad record of written files")
	// ErrLocked: another netpolc held the lock for longer than allowed.
	ErrLocked = errors.New("is being written by another netpolc")
	// ErrNoSpace: the file system is full; nothing was changed.
	ErrNoSpace = errors.New("no space left on the file system")
)

// Report tells what Write did. Paths are slash-separated, relative to the
// output directory, and sorted.
type Report struct {
	// Written are the files created or changed.
	Written []string
	// Unchanged are the files that already had the right content; they are
	// not rewritten, so their modification times stay.
	Unchanged []string
	// Removed are the files netpolc wrote earlier and no longer produces.
	Removed []string
	// Kept are files netpolc wrote earlier and no longer produces but that
	// were changed since: they are kept, and netpolc forgets them.
	Kept []string
	// Warnings are messages for the user, about kept files and about
	// overwritten hand edits of generated files.
	Warnings []string
}

// DefaultLockTimeout is how long Write waits for another netpolc writing
// the same output by default.
const DefaultLockTimeout = time.Minute

// Options tune Write.
type Options struct {
	// LockTimeout bounds the wait for the lock held by another netpolc
	// writing to the same git work tree (or output); zero means
	// DefaultLockTimeout.
	LockTimeout time.Duration
	// Notify receives messages for the user: waiting for the lock, and an
	// interrupted build finished or undone. nil drops them.
	Notify func(string)
	// Ready, when set, is called once the new tree is staged and flushed
	// to disk, just before the commit point (or, when nothing changes,
	// before returning): an error from it discards the staging, leaves
	// the output directory as it was, and is returned as it is. A build
	// proves its files while they are staged (pipeline.Pending). It is
	// not called when the run is refused before staging.
	Ready func() error
	// Flushing, when set, is called once the new tree is staged, as its
	// flush to disk begins: the work it starts overlaps the wait for the
	// disk (the build returns the freed heap to the system then).
	Flushing func()
}

// Write is WriteWith with the default options.
func Write(dir string, files []kit.File) (Report, error) {
	return WriteWith(dir, files, Options{})
}

// WriteWith makes dir hold files: it creates or replaces each file whose
// content differs, removes the files it wrote earlier that are no longer
// in files, and records what it wrote in dir/RecordFile.
//
// It refuses, before changing anything, when dir (or a parent) is not a
// directory, when a path is unsafe, or when a file netpolc did not write
// is in the way. It holds an exclusive lock while it reads and writes,
// and first finishes any build that was interrupted. The new tree is
// staged where git cannot see it and switched in with renames under a
// journal (see journal), so after any interruption and the next netpolc
// command dir holds the old tree or the new one, never a mix.
func WriteWith(dir string, files []kit.File, o Options) (Report, error) {
	if dir == "" {
		return Report{}, fmt.Errorf("%w: no output directory given", errUnsafePath)
	}
	byPath, err := checkFiles(files)
	if err != nil {
		return Report{}, err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return Report{}, fmt.Errorf("%w: %s: %w", errNotWritable, dir, err)
	}
	if _, err := checkDir(abs); err != nil {
		return Report{}, err
	}
	a, err := findArea(abs)
	if err != nil {
		return Report{}, err
	}
	if o.LockTimeout == 0 {
		o.LockTimeout = DefaultLockTimeout
	}
	if err := a.lock(dir, o.LockTimeout, o.Notify); err != nil {
		return Report{}, err
	}
	defer a.release()
	if err := a.recover(o.Notify); err != nil {
		return Report{}, err
	}
	cleanLegacy(abs)
	if o.Ready == nil {
		o.Ready = func() error { return nil }
	}
	if o.Flushing == nil {
		o.Flushing = func() {}
	}
	return writeLocked(a, abs, dir, byPath, o)
}

// writeLocked plans and commits, holding the lock.
func writeLocked(a *area, abs, dir string, files []kit.File, o Options) (Report, error) {
	p, t, rec, err := planLocked(abs, dir, files)
	if err != nil {
		return Report{}, err
	}
	defer t.close()
	return p.commit(a, t, abs, dir, rec, o)
}

// planLocked reads the output directory and its record and decides what
// to do, holding the lock. The caller closes the tree.
func planLocked(abs, dir string, files []kit.File) (*plan, *tree, recordState, error) {
	exists, err := checkDir(abs)
	if err != nil {
		return nil, nil, recordState{}, err
	}
	t, err := openTree(abs, exists)
	if err != nil {
		return nil, nil, recordState{}, err
	}
	rec, raw, recExists, err := t.readRecord(filepath.Join(dir, RecordFile))
	paths := rec.paths()
	for _, f := range files {
		paths = append(paths, f.Path)
	}
	if err == nil {
		err = t.scan(paths)
	}
	var p *plan
	if err == nil {
		p, err = makePlan(t, files, rec)
	}
	if err != nil {
		t.close()
		return nil, nil, recordState{}, err
	}
	return p, t, recordState{raw: raw, exists: recExists}, nil
}

// checkFiles checks that every path is a clean relative path that stays
// inside the output directory, given once, and that no path is both a file
// and a folder of another file. It returns the files sorted by path.
func checkFiles(files []kit.File) ([]kit.File, error) {
	var errs []error
	seen := map[string]bool{}
	for _, f := range files {
		switch err := checkPath(f.Path); {
		case err != nil:
			errs = append(errs, err)
		case seen[f.Path]:
			errs = append(errs, fmt.Errorf("%w: %s: given twice", errUnsafePath, f.Path))
		default:
			seen[f.Path] = true
		}
	}
	for p := range seen {
		for d := path.Dir(p); d != "."; d = path.Dir(d) {
			if seen[d] {
				errs = append(errs, fmt.Errorf("%w: %s is both a file and the folder of %s", errUnsafePath, d, p))
			}
		}
	}
	if len(errs) > 0 {
		slices.SortFunc(errs, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
		return nil, errors.Join(errs...)
	}
	sorted := slices.Clone(files)
	kit.SortFiles(sorted)
	return sorted, nil
}

// checkPath checks one output path.
func checkPath(p string) error {
	switch {
	case !fs.ValidPath(p) || p == ".":
		return fmt.Errorf("%w: %q: not a clean relative path inside the output directory", errUnsafePath, p)
	case strings.ContainsAny(p, "\\\n\r"):
		return fmt.Errorf("%w: %q: backslash or line break in path", errUnsafePath, p)
	case p == RecordFile || path.Dir(p) == RecordFile:
		return fmt.Errorf("%w: %q: reserved for netpolc's record", errUnsafePath, p)
	case strings.SplitN(p, "/", 2)[0] == areaInOut:
		return fmt.Errorf("%w: %q: reserved for netpolc's staging", errUnsafePath, p)
	}
	return nil
}

// checkDir checks that abs is a directory, or does not exist and can be
// created because its first existing ancestor is a directory.
func checkDir(abs string) (exists bool, err error) {
	fi, err := os.Stat(abs)
	switch {
	case err == nil && fi.IsDir():
		return true, nil
	case err == nil:
		return false, fmt.Errorf("output %s: %w (it is a %s)", abs, errNotDir, kind(fi.Mode()))
	case !isMissing(err):
		return false, fmt.Errorf("%w: %w", errNotWritable, err)
	}
	for p := filepath.Dir(abs); ; p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		switch {
		case err == nil && fi.IsDir():
			return false, nil
		case err == nil:
			return false, fmt.Errorf("output %s: parent %s: %w (it is a %s)", abs, p, errNotDir, kind(fi.Mode()))
		case !isMissing(err):
			return false, fmt.Errorf("%w: %s: %w", errNotWritable, abs, err)
		}
		if p == filepath.Dir(p) {
			return false, fmt.Errorf("%w: %s: no existing ancestor", errNotWritable, abs)
		}
	}
}
