package output

import (
	"bufio"
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/netpolc/netpolc/internal/atomicfile"
)

// A journal is the switch of the output directory from its old tree to
// its new one, written into the staging directory once every new file is
// staged there and flushed to disk. Its presence is the commit point:
// before it, the output directory is untouched and the staging directory
// is discarded; after it, any netpolc command finishes the switch (roll
// forward), or, if that fails, undoes it (roll back) from the backups the
// switch keeps in the staging directory. Every step can be repeated, so
// an interruption at any point is recovered.
//
// The staging directory holds new/<path> (the files to place),
// old/<path> (what they replace or remove, moved aside) and the journal:
//
//	netpolc journal v1
//	out deploy/netpol          the output directory, relative to the anchor
//	mkdir deploy/netpol/np     folders to create, relative to the anchor
//	new np/a.yaml              place a file where there was none
//	put np/b.yaml              replace a file (the old one moved aside)
//	del np/c.yaml              remove a file (moved aside)
//	end
//
// An output directory that does not exist yet is placed whole instead
// (see tree.go): the journal names no file, and its line "tree" says that
// new/ becomes the output directory in one rename.
type journal struct {
	out    string
	mkdirs []string
	ops    []op
	whole  bool // new/ becomes the output directory (tree.go)
}

// op is one file operation; path is relative to the output directory.
type op struct {
	kind, path string
}

// Journal operations and names.
const (
	opNew, opPut, opDel = "new", "put", "del"
	journalName         = "journal"
	journalHeader       = "netpolc journal v1"
)

// format renders the journal.
func (j *journal) format() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\nout %s\n", journalHeader, j.out)
	for _, d := range j.mkdirs {
		fmt.Fprintf(&b, "mkdir %s\n", d)
	}
	if j.whole {
		b.WriteString(treeLine + "\n")
	}
	for _, o := range j.ops {
		fmt.Fprintf(&b, "%s %s\n", o.kind, o.path)
	}
	b.WriteString("end\n")
	return b.Bytes()
}

// parseJournal reads a journal; anything malformed is refused, since it
// decides what is moved where.
func parseJournal(data []byte) (*journal, error) {
	j := &journal{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) < 3 || lines[0] != journalHeader || lines[len(lines)-1] != "end" {
		return nil, errors.New("malformed journal")
	}
	for _, line := range lines[1 : len(lines)-1] {
		word, p, _ := strings.Cut(line, " ")
		switch {
		case word == "out" && (p == "." || fs.ValidPath(p)):
			j.out = p
		case word == "mkdir" && fs.ValidPath(p) && p != ".":
			j.mkdirs = append(j.mkdirs, p)
		case line == treeLine:
			j.whole = true
		case (word == opNew || word == opPut || word == opDel) && (p == RecordFile || checkPath(p) == nil):
			j.ops = append(j.ops, op{word, p})
		default:
			return nil, fmt.Errorf("malformed journal line %q", line)
		}
	}
	if j.out == "" {
		return nil, errors.New("malformed journal: no out line")
	}
	if j.whole && (len(j.ops) > 0 || j.out == ".") {
		return nil, errors.New("malformed journal: a whole tree with file operations")
	}
	return j, nil
}

// forward carries out the switch; it skips what is already done.
func (j *journal) forward(anchor, stage *os.Root) error {
	for _, d := range j.mkdirs {
		if err := anchor.Mkdir(d, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
			return err
		}
	}
	if j.whole {
		return j.forwardTree(anchor, stage)
	}
	out, err := anchor.OpenRoot(j.out)
	if err != nil {
		return err
	}
	defer out.Close()
	outF, stageF := newFolders(out), newFolders(stage)
	defer outF.close()
	defer stageF.close()
	for _, o := range j.ops {
		if err := o.forward(outF, stageF); err != nil {
			return err
		}
	}
	var removed []string
	touched := map[string]bool{".": true}
	for _, o := range j.ops {
		touched[path.Dir(o.path)] = true
		if o.kind == opDel {
			removed = append(removed, o.path)
		}
	}
	pruneEmpty(out, removed)
	for d := range touched {
		atomicfile.SyncDir(out, d)
	}
	atomicfile.SyncDir(anchor, path.Dir(j.out))
	return nil
}

// forward carries out one operation, unless it is done.
func (o op) forward(out, stage *folders) error {
	staged, old := "new/"+o.path, "old/"+o.path
	if o.kind == opDel {
		if there, err := out.lexists(o.path); !there || err != nil {
			return err
		}
		if aside, err := stage.lexists(old); aside || err != nil {
			return err
		}
		return move(out, o.path, stage, old)
	}
	if pending, err := stage.lexists(staged); !pending || err != nil {
		return err // placed already
	}
	there, err := out.lexists(o.path)
	if err != nil {
		return err
	}
	if there {
		aside, err := stage.lexists(old)
		if err != nil {
			return err
		}
		if o.kind == opNew || aside {
			return fmt.Errorf("%s: %w: it appeared while netpolc was writing", o.path, errConflict)
		}
		if err := move(out, o.path, stage, old); err != nil {
			return err
		}
	}
	return move(stage, staged, out, o.path)
}

// rollback undoes whatever part of the switch was done.
func (j *journal) rollback(anchor, stage *os.Root) error {
	if j.whole {
		return j.rollbackTree(anchor, stage)
	}
	out, err := anchor.OpenRoot(j.out)
	if errors.Is(err, fs.ErrNotExist) {
		return nil // not even the output directory was created
	}
	if err != nil {
		return err
	}
	defer out.Close()
	var errs []error
	for _, o := range slices.Backward(j.ops) {
		errs = append(errs, o.rollback(out, stage))
	}
	for _, d := range slices.Backward(j.mkdirs) {
		_ = anchor.Remove(d) // fails, as it should, on a folder in use
	}
	return errors.Join(errs...)
}

// rollback undoes one operation, if it was done.
func (o op) rollback(out, stage *os.Root) error {
	staged, old := "new/"+o.path, "old/"+o.path
	if o.kind != opDel {
		pending, err := lexists(stage, staged)
		if err != nil {
			return err
		}
		if there, err := lexists(out, o.path); !pending && there && err == nil {
			if err := moveBetween(out, o.path, stage, staged); err != nil {
				return err
			}
		}
	}
	if aside, err := lexists(stage, old); !aside || err != nil {
		return err
	}
	return moveBetween(stage, old, out, o.path)
}

// pruneEmpty removes the folders that removing files left empty,
// deepest first.
func pruneEmpty(out *os.Root, removed []string) {
	var dirs []string
	for _, rel := range removed {
		for d := path.Dir(rel); d != "."; d = path.Dir(d) {
			dirs = append(dirs, d)
		}
	}
	slices.SortFunc(dirs, func(a, b string) int { return cmp.Or(cmp.Compare(len(b), len(a)), strings.Compare(a, b)) })
	for _, d := range slices.Compact(dirs) {
		_ = out.Remove(d) // fails, as it should, on a folder that still holds anything
	}
}

// lexists reports whether name exists in root, without following a final
// symbolic link.
func lexists(root *os.Root, name string) (bool, error) {
	_, err := root.Lstat(name)
	switch {
	case err == nil:
		return true, nil
	case isMissing(err):
		return false, nil
	}
	return false, err
}
