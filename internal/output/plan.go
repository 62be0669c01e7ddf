package output

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
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

// makePlan compares the files to produce with what is in the output
// directory and its record. Every file in the way that netpolc did not
// write is an error.
func makePlan(t *tree, files []kit.File, old record) (*plan, error) {
	p := &plan{old: old, new: record{}}
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
		// Also adopts an identical file put there by someone else.
		p.unchanged = append(p.unchanged, f.Path)
	case !p.old.has(f.Path):
		return fmt.Errorf("%s: %w: it exists with other content; move it away or delete it", f.Path, errConflict)
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
	case errors.Is(err, errConflict):
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

// tree is the output directory as one walk of it (through an os.Root, so
// nothing outside it is read) found it: the type of every entry on the
// way to a produced or recorded path. A symbolic link is never followed:
// where a file or folder is expected, it is a conflict.
type tree struct {
	root    *os.Root               // the output directory; nil when it does not exist
	entries map[string]fs.FileMode // slash path → type bits; "." is the directory itself
}

// openTree opens the output directory abs, when it exists.
func openTree(abs string, exists bool) (*tree, error) {
	t := &tree{entries: map[string]fs.FileMode{}}
	if !exists {
		return t, nil
	}
	root, err := os.OpenRoot(abs)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errNotWritable, err)
	}
	t.root = root
	return t, nil
}

// close releases the directory handle.
func (t *tree) close() {
	if t.root != nil {
		_ = t.root.Close()
	}
}

// scan walks the folders leading to the given paths, once, recording what
// it finds. Every entry at the top and in those folders is listed; other
// folders are not entered.
func (t *tree) scan(paths []string) error {
	if t.root == nil {
		return nil
	}
	wanted := map[string]bool{".": true}
	for _, p := range paths {
		for d := path.Dir(p); d != "."; d = path.Dir(d) {
			wanted[d] = true
		}
	}
	err := fs.WalkDir(t.root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		t.entries[p] = d.Type()
		if d.IsDir() && !wanted[p] {
			return fs.SkipDir
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("%w: %w", errNotWritable, err)
	}
	return nil
}

// read returns the content of the regular file at rel, or exists=false if
// there is nothing there. Anything else at rel or in its folders (a
// symbolic link, a directory, a file where a folder should be) is an
// errConflict.
func (t *tree) read(rel string) (data []byte, exists bool, err error) {
	if exists, err := t.folder(path.Dir(rel)); !exists || err != nil {
		return nil, false, err
	}
	m, ok := t.entries[rel]
	switch {
	case !ok:
		return nil, false, nil
	case !m.IsRegular():
		return nil, false, fmt.Errorf("%s: %w: it is a %s", rel, errConflict, kind(m))
	}
	data, err = t.root.ReadFile(rel)
	if err != nil {
		return nil, false, fmt.Errorf("%w: %w", errNotWritable, err)
	}
	return data, true, nil
}

// folder checks that the folder rel and its parents are plain
// directories; exists is false when one of them is missing.
func (t *tree) folder(rel string) (exists bool, err error) {
	if rel == "." {
		return t.root != nil, nil
	}
	if exists, err := t.folder(path.Dir(rel)); !exists || err != nil {
		return false, err
	}
	m, ok := t.entries[rel]
	switch {
	case !ok:
		return false, nil
	case !m.IsDir():
		return false, fmt.Errorf("%s: %w: it is a %s where a folder is needed", rel, errConflict, kind(m))
	}
	return true, nil
}

// missingFolders returns the folders (parents first) to create for files
// at paths.
func (t *tree) missingFolders(paths []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, p := range paths {
		var chain []string
		for d := path.Dir(p); d != "."; d = path.Dir(d) {
			chain = append([]string{d}, chain...)
		}
		for _, d := range chain {
			if _, ok := t.entries[d]; !ok && !seen[d] {
				seen[d] = true
				out = append(out, d)
			}
		}
	}
	return out
}

// readRecord reads the record; a missing record is an empty one. name is
// the record's path for messages.
func (t *tree) readRecord(name string) (rec record, raw []byte, exists bool, err error) {
	if err := t.scan([]string{RecordFile}); err != nil {
		return nil, nil, false, err
	}
	m, ok := t.entries[RecordFile]
	switch {
	case !ok:
		return record{}, nil, false, nil
	case !m.IsRegular():
		return nil, nil, false, fmt.Errorf("%s: %w: it is a %s", name, errRecord, kind(m))
	}
	raw, err = t.root.ReadFile(RecordFile)
	if err != nil {
		return nil, nil, false, fmt.Errorf("%w: %w", errRecord, err)
	}
	rec, err = parseRecord(name, raw)
	return rec, raw, true, err
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
