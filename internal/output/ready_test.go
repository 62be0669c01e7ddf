package output

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// errUnproven stands for a build's failed proof.
var errUnproven = errors.New("not proven")

// TestReadySeesTheStagedTreeBeforeTheCommitPoint: when Ready is called,
// the new files are staged and the output is still the old tree; when it
// fails, the output stays the old tree, nothing staged is left, and its
// error is returned as it is.
func TestReadySeesTheStagedTreeBeforeTheCommitPoint(t *testing.T) {
	for _, name := range []string{"existing", "missing"} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			if name == "existing" {
				write(t, dir, files("a.yaml", "old\n"))
			}
			before := readTree(t, dir)
			a, err := findArea(dir)
			if err != nil {
				t.Fatal(err)
			}
			calls := 0
			_, err = WriteWith(dir, files("a.yaml", "new\n", "b/c.yaml", "c\n"), Options{Ready: func() error {
				calls++
				staged, _ := filepath.Glob(filepath.Join(a.dir, stagePrefix+"*", "new", "b", "c.yaml"))
				if len(staged) != 1 {
					t.Errorf("Ready called with %d staged copies of b/c.yaml, want 1", len(staged))
				} else if data, err := os.ReadFile(staged[0]); err != nil || string(data) != "c\n" {
					t.Errorf("staged b/c.yaml = %q (%v)", data, err)
				}
				if now := readTree(t, dir); !mapsEqual(now, before) {
					t.Errorf("the output changed before Ready: %q", now)
				}
				return errUnproven
			}})
			if err != errUnproven {
				t.Fatalf("err = %v, want Ready's error as it is", err)
			}
			if calls != 1 {
				t.Errorf("Ready called %d times, want 1", calls)
			}
			if after := readTree(t, dir); !mapsEqual(after, before) {
				t.Errorf("a refused Ready changed the output: %q, was %q", after, before)
			}
			noStaging(t, dir)
			if staged, _ := filepath.Glob(filepath.Join(a.dir, stagePrefix+"*")); len(staged) > 0 {
				t.Errorf("staging left behind: %q", staged)
			}

			// Allowed, the same run switches the tree in.
			rep, err := WriteWith(dir, files("a.yaml", "new\n", "b/c.yaml", "c\n"), Options{Ready: func() error { return nil }})
			if err != nil {
				t.Fatal(err)
			}
			equalStrings(t, "Written", rep.Written, "a.yaml", "b/c.yaml")
			if got := readTree(t, dir)["b/c.yaml"]; got != "c\n" {
				t.Errorf("b/c.yaml = %q after an allowed run", got)
			}
		})
	}
}

// TestReadyAskedWhenNothingChanges: a run that finds the output up to
// date still asks Ready, and fails with its error.
func TestReadyAskedWhenNothingChanges(t *testing.T) {
	dir := t.TempDir()
	out := files("a.yaml", "a\n")
	write(t, dir, out)
	calls := 0
	rep, err := WriteWith(dir, out, Options{Ready: func() error { calls++; return errUnproven }})
	if err != errUnproven || calls != 1 {
		t.Fatalf("err = %v after %d calls, want Ready's error after 1", err, calls)
	}
	equalStrings(t, "Unchanged", rep.Unchanged, "a.yaml")
}

// TestReadyNotAskedWhenRefused: a run refused while planning (a file
// netpolc did not write is in the way) stages nothing and never asks.
func TestReadyNotAskedWhenRefused(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.yaml"), []byte("mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := WriteWith(dir, files("a.yaml", "generated\n"), Options{Ready: func() error {
		t.Error("Ready asked for a refused run")
		return nil
	}})
	if !errors.Is(err, errConflict) {
		t.Fatalf("err = %v, want errConflict", err)
	}
	noStaging(t, dir)
}

// TestFlushingComesOnceEverythingIsStaged: Flushing is called once per
// written tree, when every file is staged and before Ready; a run that
// changes nothing has nothing to flush.
func TestFlushingComesOnceEverythingIsStaged(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	a, err := findArea(dir)
	if err != nil {
		t.Fatal(err)
	}
	var events []string
	opts := Options{
		Flushing: func() {
			staged, _ := filepath.Glob(filepath.Join(a.dir, stagePrefix+"*", "new", "*", "*.yaml"))
			events = append(events, fmt.Sprintf("flushing with %d staged", len(staged)))
		},
		Ready: func() error { events = append(events, "ready"); return nil },
	}
	out := files("a/x.yaml", "x\n", "b/y.yaml", "y\n", "b/z.yaml", "z\n")
	if _, err := WriteWith(dir, out, opts); err != nil {
		t.Fatal(err)
	}
	equalStrings(t, "events", events, "flushing with 3 staged", "ready")
	events = nil
	if _, err := WriteWith(dir, out, opts); err != nil {
		t.Fatal(err)
	}
	equalStrings(t, "events of a run changing nothing", events, "ready")
}
