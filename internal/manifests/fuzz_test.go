package manifests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/internal/diag"
)

// FuzzParse checks that no input makes Parse panic and that every error
// it returns is a diagnostic naming the file.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*/*.*")
	for _, s := range seeds {
		if data, err := os.ReadFile(s); err == nil && !strings.HasSuffix(s, ".golden") {
			f.Add(data)
		}
	}
	f.Add([]byte("a: &a [*a, *a]\nb: &b [*a, *a, *a]\nc: [*b, *b, *b]\nkind: Pod\napiVersion: v1\n"))
	f.Add([]byte("kind: List\napiVersion: v1\nitems: [{kind: List, apiVersion: v1, items: [{}]}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		const name = "fuzz.yaml"
		s, err := Parse(name, data)
		if err == nil {
			if s == nil {
				t.Fatal("nil Set without an error")
			}
			return
		}
		list, ok := err.(diag.List)
		if !ok {
			t.Fatalf("error %q is %T, not a diag.List", err, err)
		}
		for _, d := range list {
			if d.Pos.File != name || !strings.HasPrefix(d.Error(), name+":") || !isCause(d.Err) {
				t.Fatalf("error %q (cause %v) does not name %s", d, d.Err, name)
			}
		}
	})
}
