package manifests

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/internal/diag"
)

// FuzzParse checks that no input makes Parse panic and that every error
// it returns is a diagnostic at a position (file and line) with one of the
// package's causes. Seeds are small, so that it runs many inputs a second:
// the test data under 1 KiB (not the bombs, which TestBombs reads, and
// which cost their whole budget each) and a few inputs of every kind of
// problem.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*/*.*")
	for _, s := range seeds {
		data, err := os.ReadFile(s)
		if err == nil && len(data) <= 1<<10 && !strings.HasSuffix(s, ".golden") && !strings.Contains(s, "bombs") {
			f.Add(data)
		}
	}
	for _, s := range []string{
		"a: &a [*a, *a]\nb: &b [*a, *a, *a]\nc: [*b, *b, *b]\nkind: Pod\napiVersion: v1\n",
		"kind: List\napiVersion: v1\nitems: [{kind: List, apiVersion: v1, items: [{}]}]\n",
		"apiVersion: v1\nkind: Pod\nm: &m {a: 1}\nmetadata: {<<: [*m, *m], name: p, labels: {x: on}}\n",
		"apiVersion: networking.k8s.io/v2\nkind: NetworkPolicy\nmetadata: {name: p}\n",
		"apiVersion: v1\nkind: Namespace\nmetadata: {name: a\xff}\n---\n[1, 2\n",
		"{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": \"p\"}, \"status\": {\"podIP\": \"1.2.3\"}}",
	} {
		f.Add([]byte(s))
	}
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
			at := fmt.Sprintf("%s:%d", name, d.Pos.Line)
			if d.Pos.File != name || d.Pos.Line < 1 || !strings.HasPrefix(d.Error(), at) || !isCause(d.Err) {
				t.Fatalf("error %q (cause %v) has no position in %s", d, d.Err, name)
			}
		}
	})
}
