package intent

import (
	"io/fs"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/examples"
	"github.com/netpolc/netpolc/intent/schema"
	"github.com/netpolc/netpolc/templates"
)

// depthOf is the smallest depth limit src passes.
func depthOf(src []byte) int {
	for d := 1; ; d++ {
		if len(checkBounds("x.cue", src, Limits{Depth: d, List: 1 << 30})) == 0 {
			return d
		}
	}
}

// TestDefaultDepthIsGenerous checks that the default depth limit leaves
// ample room over everything netpolc ships: the examples, the templates
// and the schema need at most a third of it.
func TestDefaultDepthIsGenerous(t *testing.T) {
	for _, fsys := range []fs.FS{examples.FS, templates.FS, schema.FS} {
		err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
			if err != nil || !strings.HasSuffix(name, ".cue") {
				return err
			}
			src, err := fs.ReadFile(fsys, name)
			if err != nil {
				return err
			}
			if got := depthOf(src); got*3 > DefaultLimits.Depth {
				t.Errorf("%s needs depth %d, over a third of the default %d", name, got, DefaultLimits.Depth)
			} else {
				t.Logf("%s: depth %d", name, got)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestBoundsScanner pins the depth the scanner computes for small inputs,
// string interpolations included (the scanner must resume the string
// after each interpolated expression, or it would lose its place).
func TestBoundsScanner(t *testing.T) {
	for _, tc := range []struct {
		src   string
		depth int
	}{
		{"a: 1\n", 2},
		{"a: b: c: 1\n", 4},
		{"a: b: 1\nc: 2\n", 3},
		{"a: {b: 1, c: {d: 2}}\n", 6},
		{"a: [1, [2, [3]]]\n", 5},
		{"a: 1 | 2 | 3\n", 4},
		{"a: x.y.z\n", 4},
		{"a: \"\\(b) and \\(\"\\(c)\")\"\nd: e: f: g: 1\n", 5},
		{"a: \"\\(b: 1)\" // not a label level once closed\nc: 1\n", 4},
		{"a: {for x in y if x {(x): x}}\n", 7},
	} {
		if got := depthOf([]byte(tc.src)); got != tc.depth {
			t.Errorf("%q: depth %d, want %d", tc.src, got, tc.depth)
		}
	}
}
