//go:build linux

package output

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/emitters/kit"
)

// tinyFS mounts a 64 KiB tmpfs for the test, or skips loudly when this
// process may not mount (it needs root, or CAP_SYS_ADMIN).
func tinyFS(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("SKIPPED: cannot mount a tmpfs to fill (%v: %s); the disk-full test needs root", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v\n%s", dir, err, out)
		}
	})
	return dir
}

// bigFiles is n files of size bytes each.
func bigFiles(n, size int) []kit.File {
	var fs []kit.File
	for i := range n {
		fs = append(fs, kit.File{Path: fmt.Sprintf("np/f%02d.yaml", i), Data: []byte(strings.Repeat("x", size-1) + "\n")})
	}
	return fs
}

// TestDiskFull: a build that does not fit leaves nothing on a fresh
// output (no record, no folders, no staging), leaves an existing output
// exactly as it was, and says so.
func TestDiskFull(t *testing.T) {
	disk := tinyFS(t)
	out := filepath.Join(disk, "out")
	_, err := Write(out, bigFiles(20, 8<<10))
	if err == nil {
		t.Fatal("160 KiB fit on a 64 KiB file system")
	}
	if msg := err.Error(); !strings.Contains(msg, "no space left") || !strings.Contains(msg, "was not changed") {
		t.Errorf("message does not say the disk is full and nothing changed: %v", err)
	}
	if got := readTree(t, disk); len(got) != 0 {
		t.Errorf("a failed build on a fresh output left %q", got)
	}

	// Nor folders above a fresh output.
	if _, err := Write(filepath.Join(disk, "x", "y", "out"), bigFiles(20, 8<<10)); err == nil {
		t.Fatal("160 KiB fit on a 64 KiB file system")
	}
	if got := readTree(t, disk); len(got) != 0 {
		t.Errorf("a failed build on a fresh, deep output left %q", got)
	}

	old := files("np/a.yaml", "a\n", "b.yaml", "b\n")
	write(t, out, old)
	before := readTree(t, disk)
	if _, err := Write(out, append(bigFiles(20, 8<<10), old[1])); err == nil {
		t.Fatal("160 KiB fit on a 64 KiB file system")
	}
	if after := readTree(t, disk); !mapsEqual(before, after) {
		t.Errorf("a failed build changed the output: %q, was %q", after, before)
	}
	// With room again, the same build works.
	if err := os.RemoveAll(filepath.Join(out, "np")); err != nil {
		t.Fatal(err)
	}
	write(t, out, append(bigFiles(3, 8<<10), old[1]))
}
