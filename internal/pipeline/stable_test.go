package pipeline

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/internal/target"
)

// TestExamplesStableUnderUnrelatedEdits adds lines at the top of every
// intents file of every example and requires the build to write the same
// bytes (generated files record origins as file and CUE path), while the
// origins netpolc prints live (line:col) do move: GitOps diffs stay quiet
// and explain still points at the right line (issue 12).
func TestExamplesStableUnderUnrelatedEdits(t *testing.T) {
	const added = "// An unrelated comment, added above everything.\n\n"
	dirs, err := filepath.Glob("../../examples/*")
	if err != nil {
		t.Fatal(err)
	}
	for _, src := range dirs {
		if info, err := os.Stat(src); err != nil || !info.IsDir() {
			continue
		}
		name := filepath.Base(src)
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), name)
			copyDir(t, src, dir, "")
			opts := Options{Targets: target.MustParse(exampleTarget(t, src))}
			before, err := Run(Sources{IntentsDir: dir}, opts)
			if err != nil {
				t.Fatal(err)
			}
			copyDir(t, src, dir, added)
			after, err := Run(Sources{IntentsDir: dir}, opts)
			if err != nil {
				t.Fatal(err)
			}
			if len(before.Files) == 0 || len(before.Files) != len(after.Files) {
				t.Fatalf("%d files before the edit, %d after", len(before.Files), len(after.Files))
			}
			for i, f := range before.Files {
				if g := after.Files[i]; g.Path != f.Path || !bytes.Equal(g.Data, f.Data) {
					t.Errorf("%s changed although only comment lines were added", f.Path)
				}
			}
			lines := strings.Count(added, "\n")
			b, a := before.Compiled.Policy, after.Compiled.Policy
			if len(b.Isolations) == 0 || len(a.Isolations) != len(b.Isolations) || a.Isolations[0].Origin.Line != b.Isolations[0].Origin.Line+lines {
				if len(b.Cluster) == 0 || a.Cluster[0].Origin.Line != b.Cluster[0].Origin.Line+lines {
					t.Errorf("the live origins did not move by %d lines: the edit did not reach the intents", lines)
				}
			}
		})
	}
}

// copyDir copies the files of src into dst, each .cue file with prefix
// written before its content.
func copyDir(t *testing.T, src, dst, prefix string) {
	t.Helper()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		data, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(e.Name(), ".cue") {
			data = append([]byte(prefix), data...)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
