package output

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/netpolc/netpolc/emitters/kit"
)

// journalCase is an old tree and a new one that changes, adds (in a new
// folder), removes (emptying a folder) and keeps files.
func journalCase() (old, new []kit.File) {
	old = files("a.yaml", "a1\n", "keep.yaml", "k\n", "gone/x.yaml", "x\n", "np/b.yaml", "b\n")
	new = files("a.yaml", "a2\n", "keep.yaml", "k\n", "np/b.yaml", "b2\n", "fresh/deep/c.yaml", "c\n")
	return old, new
}

// prepared brings a write of files into dir to its commit point: staged,
// journal written, output untouched, lock held.
func prepared(t *testing.T, dir string, fs []kit.File) (*area, *stage, *journal) {
	t.Helper()
	abs, _ := filepath.Abs(dir)
	sorted, err := checkFiles(fs)
	if err != nil {
		t.Fatal(err)
	}
	a, err := findArea(abs)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.lock(dir, time.Second, nil); err != nil {
		t.Fatal(err)
	}
	p, tr, rec, err := planLocked(abs, dir, sorted)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.close()
	st, j, err := p.prepare(a, tr, abs, dir, rec, Options{Ready: func() error { return nil }, Flushing: func() {}})
	if err != nil || st == nil {
		t.Fatalf("prepare: %v (stage %v)", err, st)
	}
	return a, st, j
}

// TestJournalEveryStep interrupts the switch after every operation (and
// half-way through each replacement): recovery always gives exactly the
// new tree, and undoing always gives exactly the old one.
func TestJournalEveryStep(t *testing.T) {
	oldFiles, newFiles := journalCase()
	refOld, refNew := t.TempDir(), t.TempDir()
	write(t, refOld, oldFiles)
	write(t, refNew, oldFiles)
	write(t, refNew, newFiles)
	wantOld, wantNew := readTree(t, refOld), readTree(t, refNew)
	_, _, j := func() (*area, *stage, *journal) {
		dir := filepath.Join(t.TempDir(), "out")
		write(t, dir, oldFiles)
		a, st, j := prepared(t, dir, newFiles)
		st.discard()
		a.release()
		return a, st, j
	}()
	for k := 0; k <= len(j.ops); k++ {
		for _, half := range []bool{false, true} {
			for _, undo := range []bool{false, true} {
				dir := filepath.Join(t.TempDir(), "out")
				write(t, dir, oldFiles)
				a, st, j := prepared(t, dir, newFiles)
				interrupt(t, a, st, j, k, half)
				st.close()
				want := wantNew
				if undo {
					want = wantOld
					anchor, stage := openRoot(t, a.anchor), openRoot(t, st.dir)
					if err := j.rollback(anchor, stage); err != nil {
						t.Fatal(err)
					}
					anchor.Close()
					stage.Close()
					st.discard()
				}
				if err := a.recover(nil); err != nil {
					t.Fatal(err)
				}
				a.release()
				if got := readTree(t, dir); !mapsEqual(got, want) {
					t.Errorf("after %d ops (half %v, undo %v): %q, want %q", k, half, undo, got, want)
				}
				noStaging(t, dir)
			}
		}
	}
}

// interrupt carries out the folders and the first k operations of j, and
// with half, the first step (moving the old file aside) of the next one.
func interrupt(t *testing.T, a *area, st *stage, j *journal, k int, half bool) {
	t.Helper()
	anchor := openRoot(t, a.anchor)
	defer anchor.Close()
	for _, d := range j.mkdirs {
		if err := anchor.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	out, err := anchor.OpenRoot(j.out)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	outF, stageF := newFolders(out), newFolders(st.root)
	defer outF.close()
	defer stageF.close()
	for _, o := range j.ops[:k] {
		if err := o.forward(outF, stageF); err != nil {
			t.Fatal(err)
		}
	}
	if half && k < len(j.ops) && j.ops[k].kind == opPut {
		if err := moveBetween(out, j.ops[k].path, st.root, "old/"+j.ops[k].path); err != nil {
			t.Fatal(err)
		}
	}
}

func openRoot(t *testing.T, dir string) *os.Root {
	t.Helper()
	r, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestStagingWithoutJournalDiscarded: a run stopped before its commit
// point left only staging; the next run removes it and the output is the
// old tree.
func TestStagingWithoutJournalDiscarded(t *testing.T) {
	oldFiles, newFiles := journalCase()
	dir := filepath.Join(t.TempDir(), "out")
	write(t, dir, oldFiles)
	want := readTree(t, dir)
	a, st, _ := prepared(t, dir, newFiles)
	if err := st.root.Remove(journalName); err != nil {
		t.Fatal(err)
	}
	st.close()
	if err := a.recover(nil); err != nil {
		t.Fatal(err)
	}
	a.release()
	if got := readTree(t, dir); !mapsEqual(got, want) {
		t.Errorf("tree %q, want the old one %q", got, want)
	}
	noStaging(t, dir)
}
