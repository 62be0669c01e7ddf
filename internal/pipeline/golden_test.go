package pipeline

import (
	"bytes"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/netpolc/netpolc/internal/target"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// TestExamplesGolden builds every example directory and compares each
// generated file with testdata/golden/<example>/<path>. Run
// `go test ./build -update` after an intended change and review the diff.
func TestExamplesGolden(t *testing.T) {
	dirs, err := filepath.Glob("../../examples/*")
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range dirs {
		if info, err := os.Stat(dir); err != nil || !info.IsDir() {
			continue
		}
		name := filepath.Base(dir)
		t.Run(name, func(t *testing.T) {
			out, err := Run(Sources{IntentsDir: dir}, Options{Targets: target.MustParse(exampleTarget(t, dir))})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string][]byte{}
			for _, f := range out.Files {
				got[f.Path] = f.Data
			}
			compareTree(t, filepath.Join("testdata", "golden", name), got)
		})
	}
}

// compareTree compares generated files with a golden directory, or
// rewrites it under -update.
func compareTree(t *testing.T, goldenDir string, got map[string][]byte) {
	t.Helper()
	if *update {
		if err := os.RemoveAll(goldenDir); err != nil {
			t.Fatal(err)
		}
		for p, data := range got {
			target := filepath.Join(goldenDir, filepath.FromSlash(p))
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(target, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	want := map[string][]byte{}
	err := filepath.WalkDir(goldenDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(goldenDir, p)
		want[filepath.ToSlash(rel)], err = os.ReadFile(p)
		return err
	})
	if err != nil {
		t.Fatalf("%v (run go test ./build -update to create the golden files)", err)
	}
	var paths []string
	for p := range want {
		paths = append(paths, p)
	}
	for p := range got {
		if _, ok := want[p]; !ok {
			paths = append(paths, p)
		}
	}
	sort.Strings(paths)
	for _, p := range paths {
		w, inWant := want[p]
		g, inGot := got[p]
		switch {
		case !inGot:
			t.Errorf("%s: golden file not generated any more", p)
		case !inWant:
			t.Errorf("%s: generated but has no golden file:\n%s", p, g)
		case !bytes.Equal(w, g):
			t.Errorf("%s differs from golden (-want +got):\n%s", p, cmp.Diff(string(w), string(g)))
		}
	}
}
