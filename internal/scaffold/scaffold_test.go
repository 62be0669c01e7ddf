//go:build unix

package scaffold

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestInitModes: the example files are ordinary files, readable by
// everyone under the usual umask (0644), like any file an editor writes;
// and init never leaves a temporary file behind.
func TestInitModes(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	dir := filepath.Join(t.TempDir(), "intents")
	written, err := Init(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(written) == 0 {
		t.Fatal("nothing written")
	}
	for _, name := range written {
		fi, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o644 {
			t.Errorf("%s: mode %v, want -rw-r--r--", name, fi.Mode().Perm())
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(written) {
		t.Errorf("%d entries in %s, want the %d files written", len(entries), dir, len(written))
	}
}

// TestInitRefusesIntents: a directory already holding intents is refused
// and left as it was.
func TestInitRefusesIntents(t *testing.T) {
	dir := t.TempDir()
	mine := filepath.Join(dir, "mine.cue")
	if err := os.WriteFile(mine, []byte("package mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Init(dir); err == nil {
		t.Fatal("init over existing intents succeeded")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("refused init changed %s: %d entries", dir, len(entries))
	}
}
