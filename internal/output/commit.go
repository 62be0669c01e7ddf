package output

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/internal/atomicfile"
	"github.com/netpolc/netpolc/internal/par"
)

// commit carries out a plan as one switch of the output directory: it
// stages the new files and the new record in the area, writes the
// journal (the commit point), then switches (see journal). It writes
// nothing when nothing changes, or when o.Ready fails.
func (p *plan) commit(a *area, t *tree, abs, dir string, rec recordState, o Options) (Report, error) {
	rep := Report{Unchanged: p.unchanged, Kept: p.kept, Warnings: p.warnings}
	st, j, err := p.prepare(a, t, abs, dir, rec, o)
	if err != nil || st == nil {
		return rep, err
	}
	if _, err := st.switchOver(a.anchor, j); err != nil {
		return rep, fmt.Errorf("%s: %w", dir, err)
	}
	for _, f := range p.write {
		rep.Written = append(rep.Written, f.Path)
	}
	rep.Removed = p.stale
	return rep, nil
}

// prepare stages the plan up to its commit point, the journal written
// once o.Ready allows it; it returns no stage when nothing changes. On an
// error nothing is left.
func (p *plan) prepare(a *area, t *tree, abs, dir string, rec recordState, o Options) (*stage, *journal, error) {
	recData := p.new.format()
	recChanged := len(recData) > 0
	if rec.exists {
		recChanged = string(rec.raw) != string(recData)
	}
	if len(p.write) == 0 && len(p.stale) == 0 && !recChanged {
		return nil, nil, o.Ready()
	}
	files := append(p.write[:len(p.write):len(p.write)], kit.File{Path: RecordFile, Data: recData})
	j := p.journal(a, t, abs, rec.exists)
	st, err := newStage(a)
	if err != nil {
		return nil, nil, stagingErr(dir, err, files)
	}
	if err := st.fill(files, j, o.Flushing); err != nil {
		st.discard()
		return nil, nil, stagingErr(dir, err, files)
	}
	if err := o.Ready(); err != nil {
		st.discard()
		return nil, nil, err
	}
	if err := atomicfile.WriteFileIn(st.root, journalName, j.format(), 0o644); err != nil {
		st.discard()
		return nil, nil, stagingErr(dir, err, files)
	}
	return st, j, nil
}

// recordState is the record file as found.
type recordState struct {
	raw    []byte
	exists bool
}

// journal lists the switch: the folders to create (the output directory
// and its missing parents first), the files to place, then those to
// remove, then the record, last.
func (p *plan) journal(a *area, t *tree, abs string, recExists bool) *journal {
	j := &journal{out: a.out}
	if a.out != "." {
		parts := strings.Split(a.out, "/")
		for i := range parts {
			rel := path.Join(parts[:i+1]...)
			if _, err := os.Lstat(filepath.Join(a.anchor, filepath.FromSlash(rel))); isMissing(err) {
				j.mkdirs = append(j.mkdirs, rel)
			}
		}
	}
	if j.placeWhole(recExists, len(p.stale)) {
		return j
	}
	var paths []string
	for _, f := range p.write {
		paths = append(paths, f.Path)
	}
	for _, d := range t.missingFolders(paths) {
		j.mkdirs = append(j.mkdirs, path.Join(a.out, d))
	}
	for _, f := range p.write {
		kind := opNew
		if _, ok := t.entries[f.Path]; ok {
			kind = opPut
		}
		j.ops = append(j.ops, op{kind, f.Path})
	}
	for _, rel := range p.stale {
		j.ops = append(j.ops, op{opDel, rel})
	}
	if recExists {
		j.ops = append(j.ops, op{opPut, RecordFile})
	} else {
		j.ops = append(j.ops, op{opNew, RecordFile})
	}
	return j
}

// stage is one run's staging folder in the area.
type stage struct {
	dir  string
	root *os.Root
}

// newStage creates a staging folder.
func newStage(a *area) (*stage, error) {
	dir, err := os.MkdirTemp(a.dir, stagePrefix)
	if err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	return &stage{dir: dir, root: root}, nil
}

// fill writes the files to place under new/ and makes the folders for
// what is moved aside under old/, everything flushed to disk (flushing is
// called as the flush begins).
func (s *stage) fill(files []kit.File, j *journal, flushing func()) error {
	dirs := map[string]bool{".": true, "new": true, "old": true}
	mkdir := func(d string) error {
		if dirs[d] {
			return nil // made already, with its parents
		}
		for x := d; x != "."; x = path.Dir(x) {
			dirs[x] = true
		}
		return s.root.MkdirAll(d, 0o755)
	}
	for _, d := range []string{"new", "old"} {
		if err := s.root.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	names, err := s.write(files, mkdir)
	if err != nil {
		return err
	}
	for _, o := range j.ops {
		if o.kind != opNew {
			if err := mkdir(path.Dir("old/" + o.path)); err != nil {
				return err
			}
		}
	}
	// Everything staged reaches the disk before the journal (the commit
	// point) is written: one flush for the whole tree.
	flushing()
	return atomicfile.SyncTree(s.root, names, slices.Collect(maps.Keys(dirs)))
}

// write creates the files under new/. Each folder is opened once and its
// files are created relative to it: through the stage's root, every
// create would open each folder on the way again (os.Root resolves a path
// one component at a time), four times the system calls for a build of
// ten thousand files in a few hundred folders. The folders are made first,
// in order; then their files are created on every CPU, a folder at a time
// (creating a file is the kernel's work, most of a large build's writing).
// It returns the staged names; of several failures, the first file's.
func (s *stage) write(files []kit.File, mkdir func(string) error) ([]string, error) {
	names := make([]string, len(files))
	var groups [][2]int // [first, end) of each run of files in one folder
	for i, f := range files {
		names[i] = "new/" + f.Path
		if i == 0 || path.Dir(names[i]) != path.Dir(names[i-1]) {
			if err := mkdir(path.Dir(names[i])); err != nil {
				return nil, err
			}
			groups = append(groups, [2]int{i, i})
		}
		groups[len(groups)-1][1] = i + 1
	}
	errs := make([]error, len(groups))
	par.For(len(groups), func(g int) {
		errs[g] = s.writeFolder(files[groups[g][0]:groups[g][1]], names[groups[g][0]:groups[g][1]])
	})
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return names, nil
}

// writeFolder creates files, all in one folder, under their staged names.
func (s *stage) writeFolder(files []kit.File, names []string) error {
	dir, err := atomicfile.OpenFolder(s.root, path.Dir(names[0]))
	if err != nil {
		return err
	}
	defer dir.Close()
	for i, f := range files {
		if err := dir.Create(path.Base(names[i]), f.Data, 0o644); err != nil {
			var pe *fs.PathError
			if errors.As(err, &pe) {
				pe.Path = names[i] // as the stage's root names it
			}
			return err
		}
	}
	return nil
}

// switchOver carries out the journal. When that fails it undoes it
// (rolledBack) and discards the stage; when undoing fails too, the stage
// and journal stay for the next run.
func (s *stage) switchOver(anchorDir string, j *journal) (rolledBack bool, err error) {
	anchor, err := os.OpenRoot(anchorDir)
	if err != nil {
		return false, fmt.Errorf("%w: %w", errNotWritable, err)
	}
	defer anchor.Close()
	ferr := j.forward(anchor, s.root)
	if ferr == nil {
		s.done()
		return false, nil
	}
	if rerr := j.rollback(anchor, s.root); rerr != nil {
		s.close()
		return false, fmt.Errorf("%w: switching to the new files failed (%w), and so did undoing it (%v); the next netpolc command tries again (journal in %s)", errNotWritable, ferr, rerr, s.dir)
	}
	s.discard()
	cause := errNotWritable
	if isNoSpace(ferr) {
		cause = ErrNoSpace
	}
	return true, fmt.Errorf("%w: %w; undone, nothing was changed", cause, ferr)
}

// done ends a finished switch: the journal goes first, then the rest.
func (s *stage) done() {
	_ = s.root.Remove(journalName)
	atomicfile.SyncDir(s.root, ".")
	s.discard()
}

// discard removes the staging folder.
func (s *stage) discard() {
	s.close()
	_ = os.RemoveAll(s.dir)
}

func (s *stage) close() {
	if s.root != nil {
		_ = s.root.Close()
		s.root = nil
	}
}

// finishStage recovers one staging folder an interrupted run left: with a
// journal it finishes the switch (or undoes it), without one it discards
// the folder (the output was never touched). It returns what it did.
func finishStage(anchorDir, dir string) (string, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return "", fmt.Errorf("%w: %w", errNotWritable, err)
	}
	s := &stage{dir: dir, root: root}
	data, err := root.ReadFile(journalName)
	if isMissing(err) {
		s.discard()
		return "removed the staging of an interrupted build, which had not changed the output yet", nil
	}
	if err != nil {
		s.close()
		return "", fmt.Errorf("%w: %w", errNotWritable, err)
	}
	j, err := parseJournal(data)
	if err != nil {
		s.close()
		return "", fmt.Errorf("%w: %s: %w; move it away to go on", errNotWritable, filepath.Join(dir, journalName), err)
	}
	rolledBack, err := s.switchOver(anchorDir, j)
	switch {
	case err != nil && !rolledBack:
		return "", err
	case rolledBack:
		return fmt.Sprintf("undid an interrupted build of %s, since finishing it failed: %v", j.out, err), nil
	}
	return "finished an interrupted build of " + j.out, nil
}

// stagingErr explains a failure before the commit point: the output
// directory was not changed.
func stagingErr(dir string, err error, files []kit.File) error {
	if isNoSpace(err) {
		n := 0
		for _, f := range files {
			n += len(f.Data)
		}
		return fmt.Errorf("%s: %w while staging %d files (%d bytes): %v; %s was not changed", dir, ErrNoSpace, len(files), n, err, dir)
	}
	return fmt.Errorf("%s: %w: staging: %w; %s was not changed", dir, errNotWritable, err, dir)
}
