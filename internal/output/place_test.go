package output

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/internal/diag"
)

// TestCheckPlaceOutsideRepo: without a work tree, a netpolc.yaml value
// stays in the file's directory; -o may go anywhere but .git and the
// intents.
func TestCheckPlaceOutsideRepo(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	intents := filepath.Join(dir, "intents")
	if err := os.Mkdir(intents, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := diag.Pos{File: filepath.Join(dir, "netpolc.yaml"), Line: 2, Col: 9}
	for _, c := range []struct {
		out  string
		from diag.Pos
		want string // "" for accepted
	}{
		{filepath.Join(dir, "out"), cfg, ""},
		{filepath.Join(dir, "..", "out"), cfg, "outside the directory of netpolc.yaml"},
		{dir, cfg, "is the root of the directory of netpolc.yaml"},
		{filepath.Join(dir, "..", "out"), diag.Pos{}, ""},
		{filepath.Join(dir, "x", ".git", "y"), diag.Pos{}, "inside the git directory"},
		{intents, diag.Pos{}, "is the intents directory"},
		{dir, diag.Pos{}, "holds the intents directory"},
		{filepath.Join(intents, "out"), diag.Pos{}, ""},
	} {
		err := CheckPlace(c.out, intents, c.from)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.out, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: err = %v, want %q", c.out, err, c.want)
		}
	}
}
