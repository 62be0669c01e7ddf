//go:build unix

package atomicfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// entries lists dir's names.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

func TestWriteFileModeAndReplace(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	dir := t.TempDir()
	name := filepath.Join(dir, "hook")
	if err := WriteFile(name, []byte("one"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(name, []byte("two"), 0o755); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(name)
	if err != nil || string(data) != "two" {
		t.Fatalf("content %q (%v), want two", data, err)
	}
	if fi, _ := os.Stat(name); fi.Mode().Perm() != 0o755 {
		t.Errorf("mode %v, want -rwxr-xr-x", fi.Mode().Perm())
	}
	if got := entries(t, dir); len(got) != 1 {
		t.Errorf("temporary files left: %q", got)
	}
	// The umask applies, as to any file a program creates.
	syscall.Umask(0o077)
	if err := WriteFile(filepath.Join(dir, "private"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(filepath.Join(dir, "private")); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode under umask 077: %v, want -rw-------", fi.Mode().Perm())
	}
}

func TestCreateFileNeverReplaces(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "a.cue")
	if err := CreateFile(name, []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := CreateFile(name, []byte("again"), 0o644)
	if !errors.Is(err, fs.ErrExist) {
		t.Fatalf("err = %v, want fs.ErrExist", err)
	}
	if data, _ := os.ReadFile(name); string(data) != "new" {
		t.Errorf("content %q, want new", data)
	}
	// Not through a dangling symbolic link either.
	if err := os.Symlink(filepath.Join(dir, "elsewhere"), filepath.Join(dir, "b.cue")); err != nil {
		t.Fatal(err)
	}
	if err := CreateFile(filepath.Join(dir, "b.cue"), []byte("x"), 0o644); !errors.Is(err, fs.ErrExist) {
		t.Errorf("through a dangling link: err = %v, want fs.ErrExist", err)
	}
	if _, err := os.Lstat(filepath.Join(dir, "elsewhere")); !errors.Is(err, fs.ErrNotExist) {
		t.Error("wrote through the link")
	}
	if got := entries(t, dir); len(got) != 2 {
		t.Errorf("temporary files left: %q", got)
	}
}

func TestWriteFileInStaysInside(t *testing.T) {
	outside := t.TempDir()
	dir := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	for _, name := range []string{"../x", "link/x"} {
		if err := WriteFileIn(root, name, []byte("x"), 0o644); err == nil {
			t.Errorf("%s: written outside the root", name)
		}
	}
	if got := entries(t, outside); len(got) != 0 {
		t.Errorf("outside the root: %q", got)
	}
}

func TestWriteFileError(t *testing.T) {
	err := WriteFile(filepath.Join(t.TempDir(), "no", "such", "dir", "f"), []byte("x"), 0o644)
	var pe *fs.PathError
	if !errors.As(err, &pe) || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("err = %#v, want a PathError for a missing directory", err)
	}
}
