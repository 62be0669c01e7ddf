package output

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/netpolc/netpolc/emitters/kit"
)

// commit carries out a plan.
//
// The order keeps every interruption recoverable: while files are being
// placed the record accepts both the old and the new content of each path,
// so the next run recognises whatever it finds as netpolc's own; stale
// files are removed only once the new files are in place; the final record
// is written last (a record naming a file already removed is harmless, a
// removed file the record forgot would not be).
func (p *plan) commit(abs string) (Report, error) {
	rep := Report{Unchanged: p.unchanged, Kept: p.kept, Warnings: p.warnings}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return rep, fmt.Errorf("%w: %w", ErrNotWritable, err)
	}
	if len(p.write) > 0 {
		if err := writeRecord(abs, p.old.union(p.new)); err != nil {
			return rep, err
		}
		written, err := place(abs, p.write)
		rep.Written = written
		if err != nil {
			return rep, err
		}
	}
	final := maps.Clone(p.new)
	removed, failed, err := removeStale(abs, p.stale)
	rep.Removed = removed
	for _, rel := range failed {
		final[rel] = p.old[rel] // try again next time
	}
	if werr := writeRecord(abs, final); werr != nil {
		err = errors.Join(err, werr)
	}
	return rep, err
}

// place stages files in a temporary directory on the file system of abs,
// then renames each into place. It returns the paths placed.
func place(abs string, files []kit.File) (placed []string, err error) {
	tmp, err := stagingDir(abs)
	if err != nil {
		return nil, err
	}
	defer func() {
		if rerr := os.RemoveAll(tmp); rerr != nil && err == nil {
			err = fmt.Errorf("%w: remove staging directory: %w", ErrNotWritable, rerr)
		}
	}()
	for _, f := range files {
		if err := writeFileSynced(filepath.Join(tmp, filepath.FromSlash(f.Path)), f.Data); err != nil {
			return nil, err
		}
	}
	dirs := map[string]bool{abs: true}
	for _, f := range files {
		dst := filepath.Join(abs, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return placed, fmt.Errorf("%w: %w", ErrNotWritable, err)
		}
		if err := os.Rename(filepath.Join(tmp, filepath.FromSlash(f.Path)), dst); err != nil {
			return placed, fmt.Errorf("%w: %w", ErrNotWritable, err)
		}
		placed = append(placed, f.Path)
		dirs[filepath.Dir(dst)] = true
	}
	for _, d := range slices.Sorted(maps.Keys(dirs)) {
		syncDir(d)
	}
	return placed, nil
}

// stagingDir creates the temporary directory for a run next to abs, so
// that renaming out of it is atomic. When that is not possible (abs is a
// mount point, or its parent is read-only) it uses a hidden directory
// inside abs instead.
func stagingDir(abs string) (string, error) {
	parent := filepath.Dir(abs)
	if sameDevice(abs, parent) {
		if tmp, err := os.MkdirTemp(parent, "."+filepath.Base(abs)+".netpolc-tmp-"); err == nil {
			return tmp, nil
		}
	}
	tmp, err := os.MkdirTemp(abs, ".netpolc-tmp-")
	if err != nil {
		return "", fmt.Errorf("%w: staging directory: %w", ErrNotWritable, err)
	}
	return tmp, nil
}

// removeStale removes files, then the folders their removal left empty.
// It returns the paths removed and those it failed to remove.
func removeStale(abs string, stale []string) (removed, failed []string, err error) {
	var errs []error
	for _, rel := range stale {
		if rerr := os.Remove(filepath.Join(abs, filepath.FromSlash(rel))); rerr != nil && !isMissing(rerr) {
			failed = append(failed, rel)
			errs = append(errs, fmt.Errorf("%w: remove stale file: %w", ErrNotWritable, rerr))
			continue
		}
		removed = append(removed, rel)
	}
	// Deepest folders first, so a parent emptied by its children goes too.
	var dirs []string
	for _, rel := range removed {
		for d := path.Dir(rel); d != "."; d = path.Dir(d) {
			dirs = append(dirs, d)
		}
	}
	slices.SortFunc(dirs, func(a, b string) int { return cmp.Or(cmp.Compare(len(b), len(a)), strings.Compare(a, b)) })
	dirs = slices.Compact(dirs)
	for _, d := range dirs {
		// Fails, as it should, on a folder that still holds anything.
		_ = os.Remove(filepath.Join(abs, filepath.FromSlash(d)))
	}
	if len(removed) > 0 {
		syncDir(abs)
	}
	return removed, failed, errors.Join(errs...)
}

// writeFileSynced creates name (and its folders) with data, flushed to disk.
func writeFileSynced(name string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return fmt.Errorf("%w: %w", ErrNotWritable, err)
	}
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrNotWritable, err)
	}
	return writeAndSync(f, data)
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
	if err != nil {
		return fmt.Errorf("%w: %w", ErrNotWritable, err)
	}
	return nil
}

// syncDir flushes a directory's entries (the renames into it) to disk.
// Some file systems cannot sync a directory; that only costs durability
// on a crash, so errors are ignored.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}
