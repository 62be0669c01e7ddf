package atomicfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

func TestFolderCreatesNewFilesOnly(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "a", "b"), 0o755); err != nil {
		t.Fatal(err)
	}
	outside := filepath.Join(t.TempDir(), "outside")
	if err := os.WriteFile(outside, []byte("keep\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "a", "link")); err != nil {
		t.Fatal(err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	f, err := OpenFolder(root, "a")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	if err := f.Create("x.yaml", []byte("x\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Join(dir, "a", "x.yaml")); err != nil || fi.Mode().Perm() != 0o640&^umask(t) {
		t.Errorf("x.yaml: %v, %v", fi, err)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "a", "x.yaml")); string(data) != "x\n" {
		t.Errorf("x.yaml = %q", data)
	}
	// An existing file, or a link, is never written through.
	for _, name := range []string{"x.yaml", "link"} {
		if err := f.Create(name, []byte("new\n"), 0o644); !errors.Is(err, fs.ErrExist) {
			t.Errorf("Create(%s) over an existing entry: %v, want ErrExist", name, err)
		}
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "a", "x.yaml")); string(data) != "x\n" {
		t.Errorf("x.yaml changed to %q", data)
	}
	if data, _ := os.ReadFile(outside); string(data) != "keep\n" {
		t.Errorf("the link's target changed to %q", data)
	}
	// A name with a folder goes through the root: below the folder only.
	if err := f.Create("b/y.yaml", []byte("y\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "a", "b", "y.yaml")); string(data) != "y\n" {
		t.Errorf("b/y.yaml = %q", data)
	}
	if err := f.Create("../escape.yaml", []byte("no\n"), 0o644); err == nil {
		t.Error("a name leaving the folder was created")
	}
}

// umask is the process's file mode creation mask.
func umask(t *testing.T) fs.FileMode {
	t.Helper()
	p := filepath.Join(t.TempDir(), "probe")
	if err := os.WriteFile(p, nil, 0o777); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return 0o777 &^ fi.Mode().Perm()
}
