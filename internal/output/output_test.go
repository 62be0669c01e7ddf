package output

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/netpolc/netpolc/emitters/kit"
)

// files builds output files from path/content pairs.
func files(pairs ...string) []kit.File {
	var out []kit.File
	for i := 0; i < len(pairs); i += 2 {
		out = append(out, kit.File{Path: pairs[i], Data: []byte(pairs[i+1])})
	}
	return out
}

// tree returns every regular file under dir (slash paths) and its content,
// and every directory as path + "/".
func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel := filepath.ToSlash(p[len(dir)+1:])
		switch {
		case d.IsDir():
			out[rel+"/"] = ""
		case d.Type()&fs.ModeSymlink != 0:
			out[rel+"@"] = ""
		default:
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			out[rel] = string(b)
		}
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	return out
}

// write is Write that must succeed and leave no staging directory behind.
func write(t *testing.T, dir string, fs []kit.File) Report {
	t.Helper()
	rep, err := Write(dir, fs)
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	noStaging(t, dir)
	return rep
}

// noStaging fails if a staging directory is left next to or inside dir.
func noStaging(t *testing.T, dir string) {
	t.Helper()
	for _, d := range []string{filepath.Dir(dir), dir} {
		entries, _ := os.ReadDir(d)
		for _, e := range entries {
			if n := e.Name(); strings.Contains(n, "netpolc-tmp") || strings.Contains(n, ".tmp-") ||
				strings.HasSuffix(n, ".netpolc") || n == areaInOut {
				t.Errorf("staging left behind: %s", filepath.Join(d, e.Name()))
			}
		}
	}
}

func equalStrings(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s = %q, want %q", what, got, want)
	}
}

func TestFreshWrite(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out", "deep")
	rep := write(t, dir, files("b.yaml", "b\n", "a/x.yaml", "x\n"))
	equalStrings(t, "Written", rep.Written, "a/x.yaml", "b.yaml")
	got := readTree(t, dir)
	want := map[string]string{
		"a/":       "",
		"a/x.yaml": "x\n",
		"b.yaml":   "b\n",
		RecordFile: hashOf([]byte("x\n")) + "  a/x.yaml\n" + hashOf([]byte("b\n")) + "  b.yaml\n",
	}
	if !mapsEqual(got, want) {
		t.Errorf("tree = %q, want %q", got, want)
	}
	for _, p := range []string{RecordFile, "b.yaml"} {
		if fi, err := os.Stat(filepath.Join(dir, p)); err != nil || fi.Mode().Perm() != 0o644 {
			t.Errorf("%s: mode %v (%v), want -rw-r--r--", p, fi.Mode(), err)
		}
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestRebuildIdenticalRewritesNothing(t *testing.T) {
	dir := t.TempDir()
	out := files("a/x.yaml", "x\n", "b.yaml", "b\n")
	write(t, dir, out)
	past := time.Now().Add(-time.Hour).Truncate(time.Second)
	for _, p := range []string{"a/x.yaml", "b.yaml", RecordFile, "a", "."} {
		if err := os.Chtimes(filepath.Join(dir, p), past, past); err != nil {
			t.Fatal(err)
		}
	}
	rep := write(t, dir, out)
	if len(rep.Written)+len(rep.Removed)+len(rep.Kept)+len(rep.Warnings) != 0 {
		t.Errorf("second run changed something: %+v", rep)
	}
	equalStrings(t, "Unchanged", rep.Unchanged, "a/x.yaml", "b.yaml")
	for _, p := range []string{"a/x.yaml", "b.yaml", RecordFile, "a", "."} {
		fi, err := os.Stat(filepath.Join(dir, p))
		if err != nil {
			t.Fatal(err)
		}
		if !fi.ModTime().Equal(past) {
			t.Errorf("%s was touched: mtime %v", p, fi.ModTime())
		}
	}
}

func TestChangedFileRewritten(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, files("a.yaml", "v1\n", "b.yaml", "b\n"))
	rep := write(t, dir, files("a.yaml", "v2\n", "b.yaml", "b\n"))
	equalStrings(t, "Written", rep.Written, "a.yaml")
	equalStrings(t, "Unchanged", rep.Unchanged, "b.yaml")
	if len(rep.Warnings) != 0 {
		t.Errorf("warnings: %q", rep.Warnings)
	}
	if got := readTree(t, dir)["a.yaml"]; got != "v2\n" {
		t.Errorf("a.yaml = %q", got)
	}
}

func TestStaleRemoved(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, files("np/shop/x.yaml", "x\n", "np/shop/deep/y.yaml", "y\n", "np/other/z.yaml", "z\n", "c.yaml", "c\n"))
	// A foreign file keeps its folder alive.
	if err := os.WriteFile(filepath.Join(dir, "np/other/notes.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	rep := write(t, dir, files("c.yaml", "c\n"))
	equalStrings(t, "Removed", rep.Removed, "np/other/z.yaml", "np/shop/deep/y.yaml", "np/shop/x.yaml")
	want := map[string]string{
		"c.yaml":             "c\n",
		"np/":                "",
		"np/other/":          "",
		"np/other/notes.txt": "mine",
		RecordFile:           hashOf([]byte("c\n")) + "  c.yaml\n",
	}
	if got := readTree(t, dir); !mapsEqual(got, want) {
		t.Errorf("tree = %q, want %q", got, want)
	}
}

func TestForeignFilesUntouched(t *testing.T) {
	dir := t.TempDir()
	foreign := map[string]string{"README.md": "hi", "np/own.yaml": "own", ".git/config": "cfg"}
	for p, c := range foreign {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(t, dir, files("np/a.yaml", "a\n"))
	write(t, dir, files("np/b.yaml", "b\n"))
	write(t, dir, nil)
	got := readTree(t, dir)
	for p, c := range foreign {
		if got[p] != c {
			t.Errorf("%s = %q, want %q", p, got[p], c)
		}
	}
	if _, ok := got["np/a.yaml"]; ok {
		t.Error("stale np/a.yaml not removed")
	}
}

func TestForeignFileAtOutputPath(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.yaml"), []byte("mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	before := readTree(t, dir)
	_, err := Write(dir, files("b.yaml", "b\n", "a.yaml", "generated\n"))
	if !errors.Is(err, errConflict) || !strings.Contains(err.Error(), "a.yaml") {
		t.Fatalf("err = %v, want errConflict naming a.yaml", err)
	}
	if after := readTree(t, dir); !mapsEqual(before, after) {
		t.Errorf("refused run changed the directory: %q", after)
	}
	noStaging(t, dir)

	// The same content is adopted: nothing to lose.
	rep := write(t, dir, files("a.yaml", "mine\n"))
	equalStrings(t, "Unchanged", rep.Unchanged, "a.yaml")
	if got := readTree(t, dir)[RecordFile]; !strings.Contains(got, "  a.yaml\n") {
		t.Errorf("adopted file not recorded: %q", got)
	}
}

func TestThingsInTheWay(t *testing.T) {
	tests := map[string]func(dir string) error{
		"file where a folder goes": func(dir string) error {
			return os.WriteFile(filepath.Join(dir, "np"), []byte("x"), 0o644)
		},
		"folder where a file goes": func(dir string) error {
			return os.MkdirAll(filepath.Join(dir, "np", "a.yaml"), 0o755)
		},
		"symlink folder": func(dir string) error {
			return os.Symlink(t.TempDir(), filepath.Join(dir, "np"))
		},
		"symlink file": func(dir string) error {
			if err := os.Mkdir(filepath.Join(dir, "np"), 0o755); err != nil {
				return err
			}
			return os.Symlink("/etc/hostname", filepath.Join(dir, "np", "a.yaml"))
		},
	}
	for name, setup := range tests {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if err := setup(dir); err != nil {
				t.Fatal(err)
			}
			before := readTree(t, dir)
			_, err := Write(dir, files("np/a.yaml", "a\n", "b.yaml", "b\n"))
			if !errors.Is(err, errConflict) {
				t.Fatalf("err = %v, want errConflict", err)
			}
			if after := readTree(t, dir); !mapsEqual(before, after) {
				t.Errorf("refused run changed the directory: %q", after)
			}
		})
	}
}

func TestHandEditedStaleFileKept(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, files("a.yaml", "a\n", "np/b.yaml", "b\n"))
	if err := os.WriteFile(filepath.Join(dir, "np/b.yaml"), []byte("b, edited\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rep := write(t, dir, files("a.yaml", "a\n"))
	equalStrings(t, "Kept", rep.Kept, "np/b.yaml")
	equalStrings(t, "Removed", rep.Removed)
	if len(rep.Warnings) != 1 || !strings.Contains(rep.Warnings[0], "np/b.yaml") {
		t.Errorf("Warnings = %q, want one about np/b.yaml", rep.Warnings)
	}
	got := readTree(t, dir)
	if got["np/b.yaml"] != "b, edited\n" {
		t.Errorf("edited file = %q", got["np/b.yaml"])
	}
	if strings.Contains(got[RecordFile], "b.yaml") {
		t.Errorf("kept file still recorded: %q", got[RecordFile])
	}
	// From now on it is the user's: the next run neither warns again nor
	// overwrites it.
	if rep := write(t, dir, files("a.yaml", "a\n")); len(rep.Warnings) != 0 {
		t.Errorf("warned again: %q", rep.Warnings)
	}
	if _, err := Write(dir, files("a.yaml", "a\n", "np/b.yaml", "b\n")); !errors.Is(err, errConflict) {
		t.Errorf("err = %v, want errConflict", err)
	}
}

func TestHandEditedOutputOverwritten(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, files("a.yaml", "a\n"))
	if err := os.WriteFile(filepath.Join(dir, "a.yaml"), []byte("edited\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rep := write(t, dir, files("a.yaml", "a\n"))
	equalStrings(t, "Written", rep.Written, "a.yaml")
	if len(rep.Warnings) != 1 || !strings.Contains(rep.Warnings[0], "overwrote") {
		t.Errorf("Warnings = %q", rep.Warnings)
	}
}

func TestDirNotADirectory(t *testing.T) {
	root := t.TempDir()
	file := filepath.Join(root, "file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{file, filepath.Join(file, "out"), filepath.Join(file, "a", "b")} {
		before := readTree(t, root)
		_, err := Write(dir, files("a.yaml", "a\n"))
		if !errors.Is(err, errNotDir) {
			t.Errorf("Write(%s): err = %v, want errNotDir", dir, err)
		}
		if after := readTree(t, root); !mapsEqual(before, after) {
			t.Errorf("Write(%s) changed %q", dir, after)
		}
	}
}

func TestUnsafePaths(t *testing.T) {
	for _, p := range []string{"", ".", "../x.yaml", "/etc/x.yaml", "a/../b.yaml", "a//b.yaml", "a/", `a\b.yaml`, "a\nb", RecordFile, RecordFile + "/x"} {
		dir := filepath.Join(t.TempDir(), "out")
		if _, err := Write(dir, files(p, "x")); !errors.Is(err, errUnsafePath) {
			t.Errorf("path %q: err = %v, want errUnsafePath", p, err)
		}
		if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("path %q: refused run created the directory", p)
		}
	}
	if _, err := Write("", nil); !errors.Is(err, errUnsafePath) {
		t.Errorf("empty dir: err = %v, want errUnsafePath", err)
	}
	for name, fs := range map[string][]kit.File{
		"duplicate":        files("a.yaml", "1", "a.yaml", "1"),
		"file and folder":  files("a", "1", "a/b.yaml", "2"),
		"file and folder2": files("a/b", "1", "a/b/c/d.yaml", "2"),
	} {
		if _, err := Write(t.TempDir(), fs); !errors.Is(err, errUnsafePath) {
			t.Errorf("%s: err = %v, want errUnsafePath", name, err)
		}
	}
}

func TestBadRecord(t *testing.T) {
	sum := hashOf([]byte("x"))
	for name, rec := range map[string]string{
		"escaping path": sum + "  ../outside.yaml\n",
		"absolute path": sum + "  /etc/passwd\n",
		"malformed":     "not a record line\n",
		"short hash":    "abcd  a.yaml\n",
	} {
		t.Run(name, func(t *testing.T) {
			root := t.TempDir()
			dir := filepath.Join(root, "out")
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			outside := filepath.Join(root, "outside.yaml")
			if err := os.WriteFile(outside, []byte("x"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, RecordFile), []byte(rec), 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := Write(dir, nil); !errors.Is(err, errRecord) {
				t.Errorf("err = %v, want errRecord", err)
			}
			if _, err := os.Stat(outside); err != nil {
				t.Errorf("file outside the output directory: %v", err)
			}
		})
	}
}

func TestStaleBehindSymlinkKept(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, files("np/a.yaml", "a\n"))
	// Someone replaces the folder by a link to elsewhere holding the same
	// file: removing "np/a.yaml" would delete outside the output directory.
	elsewhere := t.TempDir()
	if err := os.WriteFile(filepath.Join(elsewhere, "a.yaml"), []byte("a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(dir, "np")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(elsewhere, filepath.Join(dir, "np")); err != nil {
		t.Fatal(err)
	}
	rep := write(t, dir, nil)
	equalStrings(t, "Kept", rep.Kept, "np/a.yaml")
	if _, err := os.Stat(filepath.Join(elsewhere, "a.yaml")); err != nil {
		t.Errorf("file behind the link: %v", err)
	}
}

// TestInterruptedRun checks that a record left by netpolc before the
// journal, naming two contents of a file while files were placed, still
// lets the next run recognise the files as netpolc's.
func TestInterruptedRun(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, files("a.yaml", "v1\n"))
	// What a run stopped after placing a.yaml v2 leaves behind.
	rec := record{"a.yaml": {hashOf([]byte("v1\n")), hashOf([]byte("v2\n"))}}
	if err := os.WriteFile(filepath.Join(dir, RecordFile), rec.format(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "a.yaml"), []byte("v2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// The intents changed again meanwhile: v3 replaces v2 without complaint.
	rep := write(t, dir, files("a.yaml", "v3\n"))
	if len(rep.Warnings) != 0 {
		t.Errorf("warnings: %q", rep.Warnings)
	}
	if got := readTree(t, dir)[RecordFile]; got != hashOf([]byte("v3\n"))+"  a.yaml\n" {
		t.Errorf("record = %q", got)
	}
}
