package output

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/netpolc/netpolc/internal/worktree"
)

// An area is where a run stages files and takes its lock: never where
// `git add -A`, `git clean` or a GitOps tool reading the output can see
// it. In a git work tree it is netpolc/ in the work tree's own git
// directory (.git/netpolc, or .git/worktrees/<name>/netpolc), kept; it
// must be on the output's file system, so the switch is a rename. Outside
// a work tree it is a hidden folder beside the output (inside it, if the
// output is a mount point), removed after each run.
type area struct {
	dir    string // the area: lock and stage-* folders
	anchor string // the folder journals name the output relative to
	out    string // the output directory relative to anchor, slash-separated
	kept   bool   // the area stays (in .git); else it is removed after a run
	// made are the missing folders above an area outside git, which
	// making it creates; they are removed again when left empty.
	made  []string
	lockF *os.File
}

// Names in an area.
const (
	lockName    = "lock"
	stagePrefix = "stage-"
	// areaInOut is the area's name inside an output directory that is a
	// mount point (outside a git work tree only).
	areaInOut = ".netpolc-staging"
)

// findArea places the area for the output directory abs (which need not
// exist; its first existing ancestor must be a directory).
func findArea(abs string) (*area, error) {
	root, inTree, err := worktree.Root(abs)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errNotWritable, err)
	}
	existing := firstExisting(abs)
	if inTree {
		git, err := worktree.GitDir(root)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", errNotWritable, err)
		}
		rel, _ := worktree.Within(root, abs)
		if !sameDevice(git, existing) {
			return nil, fmt.Errorf("%w: the git directory %s is on another file system than %s: netpolc stages the output in the git directory so that git never sees the staging, and switches it with renames, which cannot cross file systems", errNotWritable, git, abs)
		}
		return &area{dir: filepath.Join(git, "netpolc"), anchor: root, out: filepath.ToSlash(rel), kept: true}, nil
	}
	parent := filepath.Dir(abs)
	if existing == abs && !sameDevice(abs, parent) {
		return &area{dir: filepath.Join(abs, areaInOut), anchor: abs, out: "."}, nil
	}
	a := &area{dir: filepath.Join(parent, "."+filepath.Base(abs)+".netpolc"), anchor: parent, out: filepath.Base(abs)}
	for d := parent; d != existing && d != filepath.Dir(d); d = filepath.Dir(d) {
		a.made = append(a.made, d) // deepest first
	}
	return a, nil
}

// firstExisting is p or its closest existing ancestor.
func firstExisting(p string) string {
	for ; ; p = filepath.Dir(p) {
		if _, err := os.Lstat(p); err == nil || filepath.Dir(p) == p {
			return p
		}
	}
}

// lock takes the area's exclusive lock, waiting up to timeout; wait is
// told once when another process holds it. dir names the output in
// messages.
func (a *area) lock(dir string, timeout time.Duration, wait func(string)) error {
	name := filepath.Join(a.dir, lockName)
	deadline, told := time.Now().Add(timeout), false
	for {
		f, busy, err := lockOnce(name)
		switch {
		case err != nil:
			return fmt.Errorf("%w: lock %s: %w", errNotWritable, name, err)
		case !busy:
			a.lockF = f
			_ = f.Truncate(0)
			_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
			return nil
		}
		holder := holderOf(f)
		_ = f.Close()
		if !time.Now().Before(deadline) {
			return fmt.Errorf("%s %w (%s; lock %s); gave up after %v", dir, ErrLocked, holder, name, timeout)
		}
		if !told && wait != nil {
			wait(fmt.Sprintf("waiting for another netpolc writing %s (%s) ...", dir, holder))
			told = true
		}
		time.Sleep(min(50*time.Millisecond, time.Until(deadline)+time.Millisecond))
	}
}

// lockOnce opens the lock file and tries to lock it. A lock file that was
// removed (an area outside git is removed after a run) or replaced while
// we waited is not the lock: then it tries again.
func lockOnce(name string) (*os.File, bool, error) {
	for range 100 {
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			return nil, false, err
		}
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			return nil, false, err
		}
		busy, err := tryLock(f)
		if err != nil || busy {
			return f, busy, err
		}
		held, herr := f.Stat()
		cur, cerr := os.Stat(name)
		if herr == nil && cerr == nil && os.SameFile(held, cur) {
			return f, false, nil
		}
		unlock(f)
		_ = f.Close()
	}
	return nil, false, errors.New("the lock file keeps changing")
}

// holderOf says who holds a lock, from the pid the holder wrote.
func holderOf(f *os.File) string {
	buf := make([]byte, 32)
	n, _ := f.ReadAt(buf, 0)
	if pid := strings.TrimSpace(string(buf[:n])); pid != "" {
		return "pid " + pid
	}
	return "pid unknown"
}

// release drops the lock, first removing an area that is not kept.
func (a *area) release() {
	if a.lockF == nil {
		return
	}
	if !a.kept {
		_ = os.RemoveAll(a.dir)
		for _, d := range a.made {
			_ = os.Remove(d) // fails, as it should, on a folder now in use
		}
	}
	unlock(a.lockF)
	_ = a.lockF.Close()
	a.lockF = nil
}

// recover finishes or discards what interrupted runs left in the area; it
// must hold the lock. It tells notify what it did.
func (a *area) recover(notify func(string)) error {
	entries, err := os.ReadDir(a.dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w: %w", errNotWritable, err)
	}
	var errs []error
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), stagePrefix) {
			continue
		}
		msg, err := finishStage(a.anchor, filepath.Join(a.dir, e.Name()))
		if msg != "" && notify != nil {
			notify(msg)
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Recover finishes, or undoes, an interrupted build of any output in the
// git work tree holding dir, before a command reads anything: every
// netpolc command calls it first. When another netpolc holds the lock it
// does nothing (that one recovers first itself). notify is told what was
// done.
func Recover(dir string, notify func(string)) error {
	root, ok, err := worktree.Root(dir)
	if err != nil || !ok {
		return err
	}
	git, err := worktree.GitDir(root)
	if err != nil {
		return nil // not a repository netpolc can stage in; build says so
	}
	a := &area{dir: filepath.Join(git, "netpolc"), anchor: root, kept: true}
	if _, err := os.Stat(a.dir); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err := a.lock(dir, 0, nil); errors.Is(err, ErrLocked) {
		return nil
	} else if err != nil {
		return err
	}
	defer a.release()
	return a.recover(notify)
}

// cleanLegacy removes what netpolc before the journal left when it was
// interrupted: staging folders beside the output (.OUT.netpolc-tmp-*) and
// in it (.netpolc-tmp-*), and temporary records in it. Their names are
// netpolc's own.
func cleanLegacy(abs string) {
	for _, pat := range []string{
		filepath.Join(filepath.Dir(abs), "."+filepath.Base(abs)+".netpolc-tmp-*"),
		filepath.Join(abs, ".netpolc-tmp-*"),
		filepath.Join(abs, RecordFile+".tmp-*"),
	} {
		matches, _ := filepath.Glob(pat)
		for _, m := range matches {
			_ = os.RemoveAll(m)
		}
	}
}
