package worktree_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/netpolc/netpolc/internal/config"
	"github.com/netpolc/netpolc/internal/gitrev"
	"github.com/netpolc/netpolc/internal/testkit/gittest"
	"github.com/netpolc/netpolc/internal/worktree"
)

// TestRoots: the main work tree, a linked work tree, a nested repository
// and a path that does not exist yet each resolve to the closest root,
// with its git directories; config and gitrev agree.
func TestRoots(t *testing.T) {
	r := gittest.New(t)
	r.Write("a/b/f.txt", "x")
	r.Commit("one")
	linked := filepath.Join(t.TempDir(), "linked")
	r.Git("worktree", "add", "-q", linked)
	nested := r.Path("vendor/inner")
	if err := os.MkdirAll(nested, 0o755); err != nil {
		t.Fatal(err)
	}
	gittest.Cmd(nested, r.Env(), "init", "-q").Run()
	dotGit := r.Path(".git")
	for _, c := range []struct{ path, root, gitDir, common string }{
		{r.Path("a/b/f.txt"), r.Dir, dotGit, dotGit},
		{r.Path("a/not/yet"), r.Dir, dotGit, dotGit},
		{r.Dir, r.Dir, dotGit, dotGit},
		{filepath.Join(linked, "a", "b"), linked, filepath.Join(dotGit, "worktrees", "linked"), dotGit},
		{filepath.Join(nested, "x"), nested, filepath.Join(nested, ".git"), filepath.Join(nested, ".git")},
	} {
		root, ok, err := worktree.Root(c.path)
		if err != nil || !ok || root != c.root {
			t.Errorf("Root(%s) = %s, %v, %v; want %s", c.path, root, ok, err, c.root)
			continue
		}
		if g, err := worktree.GitDir(root); err != nil || g != c.gitDir {
			t.Errorf("GitDir(%s) = %s, %v; want %s", root, g, err, c.gitDir)
		}
		if g, err := worktree.CommonDir(root); err != nil || g != c.common {
			t.Errorf("CommonDir(%s) = %s, %v; want %s", root, g, err, c.common)
		}
		if g, err := gitrev.FindRoot(c.path); err != nil || g != c.root {
			t.Errorf("gitrev.FindRoot(%s) = %s, %v; want %s", c.path, g, err, c.root)
		}
	}
	if _, ok, err := worktree.Root(t.TempDir()); ok || err != nil {
		t.Errorf("outside a work tree: ok %v, err %v", ok, err)
	}
}

// TestConfigStopsAtRoot: netpolc.yaml above the work tree root is not
// read, also from a path below a nested repository.
func TestConfigStopsAtRoot(t *testing.T) {
	r := gittest.New(t)
	r.Write("netpolc.yaml", "intents: intents\n")
	inner := r.Path("sub/inner")
	if err := os.MkdirAll(filepath.Join(inner, "deep"), 0o755); err != nil {
		t.Fatal(err)
	}
	gittest.Cmd(inner, r.Env(), "init", "-q").Run()
	cfg, err := config.Find(filepath.Join(inner, "deep"))
	if err != nil || cfg.File != "" {
		t.Errorf("found %q (%v) across the nested root", cfg.File, err)
	}
	cfg, err = config.Find(r.Path("sub"))
	if err != nil || cfg.File != r.Path("netpolc.yaml") {
		t.Errorf("found %q (%v), want the root's netpolc.yaml", cfg.File, err)
	}
}

func TestWithin(t *testing.T) {
	for _, c := range []struct {
		dir, p, rel string
		ok          bool
	}{
		{"/a/b", "/a/b", ".", true},
		{"/a/b", "/a/b/c/d", "c/d", true},
		{"/a/b", "/a/bc", "", false},
		{"/a/b", "/a", "", false},
		{"/a/b", "/x/..a", "", false},
		{"/a/b", "/a/b/..c", "..c", true},
	} {
		rel, ok := worktree.Within(c.dir, c.p)
		if rel != filepath.FromSlash(c.rel) || ok != c.ok {
			t.Errorf("Within(%s, %s) = %q, %v; want %q, %v", c.dir, c.p, rel, ok, c.rel, c.ok)
		}
	}
}
