package output

import (
	"os"
	"path/filepath"
	"testing"
)

// TestWholeTreeMatchesFileByFile: a missing output directory is placed
// in one rename and holds exactly what the switch file by file gives in
// an empty existing one, record included.
func TestWholeTreeMatchesFileByFile(t *testing.T) {
	fs := files("kustomization.yaml", "k\n", "np/a/x.yaml", "x\n", "np/a/y.yaml", "y\n", "np/b/z.yaml", "z\n")
	fresh, empty := filepath.Join(t.TempDir(), "out"), filepath.Join(t.TempDir(), "out")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	for dir, whole := range map[string]bool{fresh: true, empty: false} {
		a, st, j := prepared(t, dir, fs)
		if j.whole != whole || (whole && len(j.ops) != 0) {
			t.Errorf("%s: whole %v with %d ops, want whole %v", dir, j.whole, len(j.ops), whole)
		}
		st.discard()
		a.release()
	}
	write(t, fresh, fs)
	write(t, empty, fs)
	if got, want := readTree(t, fresh), readTree(t, empty); !mapsEqual(got, want) {
		t.Errorf("whole tree %q, file by file %q", got, want)
	}
	// A second build into it is an ordinary switch that changes nothing.
	if rep := write(t, fresh, fs); len(rep.Written) != 0 {
		t.Errorf("rebuild wrote %q", rep.Written)
	}
}

// TestWholeTreeEveryStep interrupts a whole-tree switch before and after
// its rename: recovery gives the new tree, undoing gives no output.
func TestWholeTreeEveryStep(t *testing.T) {
	fs := files("a.yaml", "a\n", "np/b.yaml", "b\n")
	ref := filepath.Join(t.TempDir(), "out")
	write(t, ref, fs)
	wantNew := readTree(t, ref)
	for _, renamed := range []bool{false, true} {
		for _, undo := range []bool{false, true} {
			dir := filepath.Join(t.TempDir(), "out")
			a, st, j := prepared(t, dir, fs)
			if !j.whole {
				t.Fatal("not a whole-tree switch")
			}
			anchor := openRoot(t, a.anchor)
			if renamed {
				if err := moveBetween(st.root, stagedTree, anchor, j.out); err != nil {
					t.Fatal(err)
				}
			}
			want := wantNew
			if undo {
				want = map[string]string{}
				if err := j.rollback(anchor, st.root); err != nil {
					t.Fatal(err)
				}
				st.discard()
			} else {
				st.close()
			}
			anchor.Close()
			if err := a.recover(nil); err != nil {
				t.Fatal(err)
			}
			a.release()
			if got := readTree(t, dir); !mapsEqual(got, want) {
				t.Errorf("renamed %v, undo %v: %q, want %q", renamed, undo, got, want)
			}
			noStaging(t, dir)
		}
	}
}

// TestWholeTreeConflict: an output directory that appears between the
// plan and the switch is left as it is, and the switch is undone.
func TestWholeTreeConflict(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	a, st, j := prepared(t, dir, files("a.yaml", "a\n"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "theirs"), []byte("t\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rolledBack, err := st.switchOver(a.anchor, j)
	a.release()
	if err == nil || !rolledBack {
		t.Fatalf("switch over a directory that appeared: rolled back %v, %v", rolledBack, err)
	}
	if got := readTree(t, dir); !mapsEqual(got, map[string]string{"theirs": "t\n"}) {
		t.Errorf("tree %q, want only the file that appeared", got)
	}
	noStaging(t, dir)
}

// TestWholeTreeJournal: the tree line survives a round trip, and a
// journal naming a whole tree and files is refused.
func TestWholeTreeJournal(t *testing.T) {
	j := &journal{out: "deploy/out", mkdirs: []string{"deploy"}, whole: true}
	got, err := parseJournal(j.format())
	if err != nil || !got.whole || got.out != j.out || len(got.mkdirs) != 1 || len(got.ops) != 0 {
		t.Fatalf("round trip: %+v, %v", got, err)
	}
	bad := &journal{out: "out", whole: true, ops: []op{{opNew, "a.yaml"}}}
	if _, err := parseJournal(bad.format()); err == nil {
		t.Error("a whole tree with file operations was accepted")
	}
	if _, err := parseJournal((&journal{out: ".", whole: true}).format()); err == nil {
		t.Error("a whole tree as the anchor itself was accepted")
	}
}
