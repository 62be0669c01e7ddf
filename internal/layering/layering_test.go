package layering

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/netpolc/netpolc/"

// layer is one layer: its packages (a pattern ending in "/..." covers a
// tree, "*" matches one path element) and its rank.
type layer struct {
	name string
	rank int
	pkgs []string
}

// layers, lowest first. Rank 2's layers are isolated from each other;
// rank 3's may use each other.
var layers = []layer{
	{"base", 0, []string{"internal/diag", "internal/portset", "internal/netset", "internal/par", "internal/filetree", "internal/gctune", "internal/profiling",
		"internal/limits", "internal/settings", "internal/atomicfile", "internal/worktree", "templates", "intent/schema", "examples", "internal/layering", "internal/crdcheck/..."}},
	{"ir", 1, []string{"internal/ir", "internal/inventory", "emitters/*/*api"}},
	{"language", 2, []string{"intent", "compiler", "internal/manifests"}},
	{"model", 2, []string{"enforcer", "enforcer/..."}},
	{"targets", 2, []string{"emitters/..."}},
	{"app", 3, []string{"internal/pipeline", "internal/importer", "internal/target", "internal/output", "internal/config", "internal/scaffold", "internal/owners", "internal/propose"}},
	{"gate", 3, []string{"internal/gate", "internal/gitrev", "internal/precommit"}},
	{"analysis", 3, []string{"internal/lint", "internal/explain", "internal/flows"}},
	{"report", 3, []string{"internal/render/..."}},
	{"cli", 4, []string{"internal/cli", "cmd/netpolc"}},
	{"testkit", 5, []string{"internal/testkit/...", "internal/benchcmd", "internal/crosscheck/..."}},
}

// match reports whether pkg fits pattern.
func match(pattern, pkg string) bool {
	if base, ok := strings.CutSuffix(pattern, "/..."); ok {
		return pkg == base || strings.HasPrefix(pkg, base+"/")
	}
	ok, _ := path.Match(pattern, pkg)
	return ok
}

// layerOf finds a package's layer; the first matching layer wins, so the
// API-types sub-packages of emitters/ are in ir.
func layerOf(pkg string) (layer, bool) {
	for _, l := range layers {
		for _, p := range l.pkgs {
			if match(p, pkg) {
				return l, true
			}
		}
	}
	return layer{}, false
}

// allowed reports whether a package of layer from may import one of to.
func allowed(from, to layer) bool {
	switch {
	case to.rank < from.rank, to.name == from.name:
		return true
	case to.rank == from.rank:
		return from.rank == 3
	}
	return false
}

// imports lists, per package directory, the module packages its non-test
// files import.
func imports(t *testing.T, root string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && p != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(p))
		pkg := filepath.ToSlash(rel)
		for _, im := range f.Imports {
			ip, _ := strconv.Unquote(im.Path.Value)
			if dep, ok := strings.CutPrefix(ip, module); ok {
				out[pkg] = append(out[pkg], dep)
			}
		}
		if _, ok := out[pkg]; !ok {
			out[pkg] = nil
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestLayers fails on every import that runs against the layering, and on
// every package no layer claims.
func TestLayers(t *testing.T) {
	for pkg, deps := range imports(t, "../..") {
		from, ok := layerOf(pkg)
		if !ok {
			t.Errorf("package %s is in no layer: add it to one in layering_test.go (and ARCHITECTURE.md)", pkg)
			continue
		}
		for _, dep := range deps {
			to, ok := layerOf(dep)
			if ok && !allowed(from, to) {
				t.Errorf("%s (%s) imports %s (%s): against the layering", pkg, from.name, dep, to.name)
			}
		}
	}
}

// TestLayerRule pins the rule down on known cases, so a typo in the
// table cannot make TestLayers pass vacuously.
func TestLayerRule(t *testing.T) {
	for _, tc := range []struct {
		from, to string
		ok       bool
	}{
		{"emitters/cilium", "internal/ir", true},
		{"enforcer/cilium", "emitters/cilium/ciliumapi", true},
		{"enforcer/cilium", "emitters/cilium", false},
		{"emitters/adminpolicy", "enforcer", false},
		{"compiler", "enforcer", false},
		{"internal/gate", "internal/pipeline", true},
		{"internal/pipeline", "internal/cli", false},
		{"internal/cli", "internal/testkit/randir", false},
		{"internal/ir", "compiler", false},
	} {
		from, ok1 := layerOf(tc.from)
		to, ok2 := layerOf(tc.to)
		if !ok1 || !ok2 || allowed(from, to) != tc.ok {
			t.Errorf("%s → %s: allowed=%v, want %v", tc.from, tc.to, allowed(from, to), tc.ok)
		}
	}
}
