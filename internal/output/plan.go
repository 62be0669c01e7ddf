package output

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"syscall"

	"github.com/netpolc/netpolc/emitters/kit"
)

// plan is what a run will do, decided before anything is written.
type plan struct {
	write     []kit.File // new or changed files
	unchanged []string
	stale     []string // written by netpolc, no longer produced, unchanged: remove
	kept      []string // written by netpolc, no longer produced, changed: keep
	warnings  []string
	old       record // the record as read
	new       record // the files produced now
}

// makePlan compares the files to produce with what is on disk and in the
// record. Every file in the way that netpolc did not write is an error.
func makePlan(abs string, files []kit.File, old record) (*plan, error) {
	p := &plan{old: old, new: record{}}
	t := &tree{abs: abs, dirs: map[string]error{}}
	var errs []error
	for _, f := range files {
		if err := p.addFile(t, f); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	for _, rel := range old.paths() {
		if _, produced := p.new[rel]; produced {
			continue
		}
		if err := p.addStale(t, rel); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// addFile decides what to do with a produced file.
func (p *plan) addFile(t *tree, f kit.File) error {
	p.new[f.Path] = []string{hashOf(f.Data)}
	cur, exists, err := t.read(f.Path)
	switch {
	case err != nil:
		return err
	case !exists:
		p.write = append(p.write, f)
	case bytes.Equal(cur, f.Data):
		// Also adopts an identical file left by an interrupted run.
		p.unchanged = append(p.unchanged, f.Path)
	case !p.old.has(f.Path):
		return fmt.Errorf("%s: %w: it exists with other content; move it away or delete it", f.Path, ErrConflict)
	default:
		p.write = append(p.write, f)
		if !p.old.hasHash(f.Path, hashOf(cur)) {
			p.warnings = append(p.warnings, fmt.Sprintf(
				"%s: overwrote changes made by hand since netpolc wrote it; change the intents instead", f.Path))
		}
	}
	return nil
}

// addStale decides what to do with a file netpolc wrote earlier and no
// longer produces: remove it if it is as netpolc left it, keep it otherwise.
func (p *plan) addStale(t *tree, rel string) error {
	cur, exists, err := t.read(rel)
	switch {
	case errors.Is(err, ErrConflict):
		p.keep(rel, "it is no longer a regular file in a plain folder")
	case err != nil:
		return err
	case !exists:
		// Already gone: nothing to do, and the record forgets it.
	case p.old.hasHash(rel, hashOf(cur)):
		p.stale = append(p.stale, rel)
	default:
		p.keep(rel, "it was changed since netpolc wrote it")
	}
	return nil
}

// keep records a stale file that is left alone, with the reason.
func (p *plan) keep(rel, why string) {
	p.kept = append(p.kept, rel)
	p.warnings = append(p.warnings, fmt.Sprintf(
		"%s: kept, though netpolc no longer produces it: %s; netpolc forgets it, delete it if it is not needed", rel, why))
}

// tree reads the output directory without following symbolic links below
// it, so that no path can lead outside.
type tree struct {
	abs  string
	dirs map[string]error // folder (relative) -> errMissing, a conflict, or nil
}

// errMissing marks a folder that does not exist.
var errMissing = errors.New("missing")

// read returns the content of the regular file at rel, or exists=false if
// there is nothing there. Anything else at rel or in its folders (a
// symbolic link, a directory, a file where a folder should be) is an
// ErrConflict.
func (t *tree) read(rel string) (data []byte, exists bool, err error) {
	switch err := t.folder(path.Dir(rel)); {
	case errors.Is(err, errMissing):
		return nil, false, nil
	case err != nil:
		return nil, false, err
	}
	name := filepath.Join(t.abs, filepath.FromSlash(rel))
	fi, err := os.Lstat(name)
	switch {
	case isMissing(err):
		return nil, false, nil
	case err != nil:
		return nil, false, fmt.Errorf("%w: %w", ErrNotWritable, err)
	case !fi.Mode().IsRegular():
		return nil, false, fmt.Errorf("%s: %w: it is a %s", rel, ErrConflict, kind(fi.Mode()))
	}
	data, err = os.ReadFile(name)
	if err != nil {
		return nil, false, fmt.Errorf("%w: %w", ErrNotWritable, err)
	}
	return data, true, nil
}

// folder checks that the folder rel and its parents are plain
// directories, or returns errMissing if one does not exist.
func (t *tree) folder(rel string) error {
	if rel == "." {
		return nil
	}
	if err, ok := t.dirs[rel]; ok {
		return err
	}
	err := t.folder(path.Dir(rel))
	if err == nil {
		fi, lerr := os.Lstat(filepath.Join(t.abs, filepath.FromSlash(rel)))
		switch {
		case isMissing(lerr):
			err = errMissing
		case lerr != nil:
			err = fmt.Errorf("%w: %w", ErrNotWritable, lerr)
		case !fi.IsDir():
			err = fmt.Errorf("%s: %w: it is a %s where a folder is needed", rel, ErrConflict, kind(fi.Mode()))
		}
	}
	t.dirs[rel] = err
	return err
}

// isMissing reports whether err means that a path does not exist, also
// when a parent is a file.
func isMissing(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}

// kind names a file mode for messages.
func kind(m fs.FileMode) string {
	switch {
	case m.IsRegular():
		return "regular file"
	case m.IsDir():
		return "directory"
	case m&fs.ModeSymlink != 0:
		return "symbolic link"
	default:
		return "special file"
	}
}
