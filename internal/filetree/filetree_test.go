package filetree

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestFiles: hidden files and folders are left out, the list is sorted,
// and a symbolic link at the root is read as the directory it names.
func TestFiles(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"real/b.csv", "real/a/c.csv", "real/.hidden", "real/.git/x.csv", "real/skip.txt"} {
		p := filepath.Join(dir, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("real", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	keep := func(p string, _ fs.DirEntry) bool { return filepath.Ext(p) == ".csv" }
	for root, want := range map[string][]string{
		"real": {"real/a/c.csv", "real/b.csv"},
		"link": {"link/a/c.csv", "link/b.csv"},
	} {
		got, err := Files(filepath.Join(dir, root), keep)
		if err != nil {
			t.Fatal(err)
		}
		for i := range got {
			got[i], _ = filepath.Rel(dir, got[i])
		}
		if !slices.Equal(got, want) {
			t.Errorf("Files(%s) = %v, want %v", root, got, want)
		}
	}
}
