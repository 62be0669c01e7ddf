package manifests

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse checks that no input makes Parse panic and that every error
// it returns is an *Error naming the file.
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
		for _, e := range unjoin(err) {
			var pe *Error
			if !errors.As(e, &pe) || pe.Source.File != name || !strings.HasPrefix(e.Error(), name+":") {
				t.Fatalf("error %q (%T) does not name %s", e, e, name)
			}
		}
	})
}
