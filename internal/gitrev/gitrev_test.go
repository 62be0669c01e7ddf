package gitrev_test

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/netpolc/netpolc/internal/gitrev"
	"github.com/netpolc/netpolc/internal/testkit/gittest"
)

func open(t *testing.T, r *gittest.Repo) *gitrev.Repo {
	t.Helper()
	repo, err := gitrev.Open(r.Dir)
	if err != nil {
		t.Fatal(err)
	}
	return repo
}

// files reads a tree's dir recursively as path → content.
func files(t *testing.T, tree *gitrev.Tree, dir string) map[string]string {
	t.Helper()
	got, err := tree.Read(dir, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for k, v := range got {
		out[k] = string(v)
	}
	return out
}

func rev(t *testing.T, repo *gitrev.Repo, name string) *gitrev.Tree {
	t.Helper()
	tree, err := repo.Revision(name)
	if err != nil {
		t.Fatalf("Revision(%q): %v", name, err)
	}
	return tree
}

func want(t *testing.T, what string, got map[string]string, pairs ...string) {
	t.Helper()
	w := map[string]string{}
	for i := 0; i < len(pairs); i += 2 {
		w[pairs[i]] = pairs[i+1]
	}
	if !maps.Equal(got, w) {
		t.Errorf("%s: got %v, want %v", what, got, w)
	}
}

// TestRevisions: every revision form git users type resolves to the
// commit git resolves it to.
func TestRevisions(t *testing.T) {
	r := gittest.New(t)
	r.Write("d/a.txt", "one")
	first := r.Commit("one")
	r.Write("d/a.txt", "two")
	r.Commit("two")
	r.Git("tag", "v2")
	r.Git("tag", "-a", "v2-annotated", "-m", "annotated")
	r.Write("d/a.txt", "three")
	r.Commit("three")
	r.Git("update-ref", "refs/remotes/origin/main", "HEAD~1")
	r.Git("branch", "old", first)
	repo := open(t, r)
	for name, content := range map[string]string{
		"HEAD": "three", "main": "three", "HEAD~1": "two", "HEAD^": "two", "HEAD~2": "one", "HEAD^^": "one",
		"v2": "two", "v2-annotated": "two", "origin/main": "two", "old": "one",
		first: "one", first[:7]: "one", "refs/heads/main": "three",
	} {
		want(t, name, files(t, rev(t, repo, name), "d"), "d/a.txt", content)
	}
	if tree := rev(t, repo, "HEAD~1"); !strings.HasPrefix(tree.Name, "HEAD~1 (") {
		t.Errorf("tree name %q should show the revision and its short hash", tree.Name)
	}
	_, err := repo.Revision("no-such-branch")
	if !errors.Is(err, gitrev.ErrUnknownRevision) {
		t.Errorf("unknown name: got %v, want ErrUnknownRevision", err)
	}
}

// TestMissingBase: before the first commit, and past it, a revision is
// "no files" rather than an error, so the first commit diffs against
// nothing.
func TestMissingBase(t *testing.T) {
	r := gittest.New(t)
	repo := open(t, r)
	for _, name := range []string{"HEAD", "HEAD~1"} {
		tree := rev(t, repo, name)
		if !tree.Missing || len(files(t, tree, "")) != 0 {
			t.Errorf("%s in an empty repository: want a Missing tree without files, got %+v", name, tree)
		}
	}
	r.Write("a.txt", "x")
	r.Commit("first")
	if tree := rev(t, repo, "HEAD~1"); !tree.Missing {
		t.Errorf("HEAD~1 of the first commit: want Missing, got %q", tree.Name)
	}
	if tree := rev(t, repo, "HEAD"); tree.Missing {
		t.Errorf("HEAD after the first commit is not missing")
	}
	if _, err := repo.Revision("HEAD^2"); !errors.Is(err, gitrev.ErrUnknownRevision) {
		t.Errorf("HEAD^2 of a commit without a second parent: got %v, want ErrUnknownRevision", err)
	}
}

// TestMergeParents: ^1 and ^2 of a merge commit are its two parents.
func TestMergeParents(t *testing.T) {
	r := gittest.New(t)
	r.Write("a.txt", "base")
	r.Commit("base")
	r.Git("checkout", "-q", "-b", "feature")
	r.Write("b.txt", "feature")
	r.Commit("feature")
	r.Git("checkout", "-q", "main")
	r.Write("c.txt", "main")
	r.Commit("main")
	r.Git("merge", "-q", "--no-ff", "-m", "merge", "feature")
	repo := open(t, r)
	want(t, "merge", files(t, rev(t, repo, "HEAD"), ""), "a.txt", "base", "b.txt", "feature", "c.txt", "main")
	want(t, "HEAD^1", files(t, rev(t, repo, "HEAD^1"), ""), "a.txt", "base", "c.txt", "main")
	want(t, "HEAD^2", files(t, rev(t, repo, "HEAD^2"), ""), "a.txt", "base", "b.txt", "feature")
	want(t, "HEAD^2~1", files(t, rev(t, repo, "HEAD^2~1"), ""), "a.txt", "base")
}

// TestRead: directories read flat or recursively, filtered, a file path
// reads that file, and an absent directory reads as empty.
func TestRead(t *testing.T) {
	r := gittest.New(t)
	r.Write("in/a.cue", "a")
	r.Write("in/b.txt", "b")
	r.Write("in/sub/c.cue", "c")
	r.Write("other/d.cue", "d")
	r.Commit("files")
	if err := os.Symlink("a.cue", r.Path("in/link.cue")); err != nil {
		t.Fatal(err)
	}
	r.Commit("link")
	repo := open(t, r)
	for _, tree := range []*gitrev.Tree{rev(t, repo, "HEAD"), index(t, repo), repo.WorkTree()} {
		flat, err := tree.Read("in", false, func(rel string) bool { return strings.HasSuffix(rel, ".cue") })
		if err != nil {
			t.Fatal(err)
		}
		if got := slices.Sorted(maps.Keys(flat)); !slices.Equal(got, []string{"in/a.cue"}) {
			t.Errorf("%s: flat .cue read: got %v (links and subdirectories are not read)", tree.Name, got)
		}
		want(t, tree.Name+" recursive", files(t, tree, "./in/"), "in/a.cue", "a", "in/b.txt", "b", "in/sub/c.cue", "c")
		want(t, tree.Name+" file", files(t, tree, "in/b.txt"), "in/b.txt", "b")
		want(t, tree.Name+" absent", files(t, tree, "nope"))
		ids, err := tree.IDs("in")
		if err != nil {
			t.Fatal(err)
		}
		if want := r.Git("hash-object", "in/sub/c.cue"); ids["in/sub/c.cue"] != want || gitrev.BlobID([]byte("c")) != want || len(ids) != 3 {
			t.Errorf("%s: blob ids %v, want in/sub/c.cue = %s", tree.Name, ids, want)
		}
		if ok, _ := tree.Has("in/sub"); !ok {
			t.Errorf("%s: Has(in/sub) = false", tree.Name)
		}
		if ok, _ := tree.Has("in/su"); ok {
			t.Errorf("%s: Has(in/su) = true", tree.Name)
		}
	}
}

func index(t *testing.T, repo *gitrev.Repo) *gitrev.Tree {
	t.Helper()
	tree, err := repo.Index()
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

// TestStagedVersusUnstaged: the index holds what was staged, the work tree
// what is on disk; reading either changes nothing.
func TestStagedVersusUnstaged(t *testing.T) {
	r := gittest.New(t)
	r.Write("d/a.txt", "committed")
	r.Commit("one")
	r.Write("d/a.txt", "staged")
	r.Write("d/new.txt", "new staged")
	r.Git("add", "d")
	r.Write("d/a.txt", "unstaged")
	r.Write("d/untracked.txt", "untracked")
	r.Write("d/ita.txt", "intent to add")
	r.Git("add", "-N", "d/ita.txt")
	status := r.Git("status", "--porcelain")
	indexBytes, _ := os.ReadFile(r.Path(".git/index"))
	repo := open(t, r)
	want(t, "HEAD", files(t, rev(t, repo, "HEAD"), "d"), "d/a.txt", "committed")
	want(t, "index", files(t, index(t, repo), "d"), "d/a.txt", "staged", "d/new.txt", "new staged")
	want(t, "work tree", files(t, repo.WorkTree(), "d"), "d/a.txt", "unstaged", "d/new.txt", "new staged",
		"d/untracked.txt", "untracked", "d/ita.txt", "intent to add")
	if got := r.Git("status", "--porcelain"); got != status {
		t.Errorf("reading changed git status:\n%s\nwas\n%s", got, status)
	}
	if after, _ := os.ReadFile(r.Path(".git/index")); string(after) != string(indexBytes) {
		t.Error("reading rewrote .git/index")
	}
}

// TestIndexFileEnv: in a hook, git points GIT_INDEX_FILE at the index
// being committed (git commit -a, git commit PATH).
func TestIndexFileEnv(t *testing.T) {
	r := gittest.New(t)
	r.Write("a.txt", "one")
	r.Commit("one")
	r.Write("a.txt", "two")
	alt := filepath.Join(t.TempDir(), "alt-index")
	cmdEnv := append(r.Env(), "GIT_INDEX_FILE="+alt)
	runGit(t, r.Dir, cmdEnv, "read-tree", "HEAD")
	runGit(t, r.Dir, cmdEnv, "add", "a.txt")
	repo := open(t, r)
	want(t, "default index", files(t, index(t, repo), ""), "a.txt", "one")
	t.Setenv("GIT_INDEX_FILE", alt)
	want(t, "GIT_INDEX_FILE", files(t, index(t, repo), ""), "a.txt", "two")
}

// TestConflict: an index with unresolved conflicts is an error naming the
// path, not a silent half-read.
func TestConflict(t *testing.T) {
	r := gittest.New(t)
	r.Write("d/a.txt", "base")
	r.Commit("base")
	r.Git("checkout", "-q", "-b", "other")
	r.Write("d/a.txt", "other")
	r.Commit("other")
	r.Git("checkout", "-q", "main")
	r.Write("d/a.txt", "main")
	r.Commit("main")
	if _, err := r.TryGit("merge", "other"); err == nil {
		t.Fatal("expected a merge conflict")
	}
	_, err := index(t, open(t, r)).Read("d", true, nil)
	if !errors.Is(err, gitrev.ErrConflict) || !strings.Contains(err.Error(), "d/a.txt") {
		t.Errorf("got %v, want ErrConflict naming d/a.txt", err)
	}
}

// TestOpenAndRel: Open finds the work tree root from any directory below
// it (existing or not); Rel makes repository paths.
func TestOpenAndRel(t *testing.T) {
	r := gittest.New(t)
	r.Write("x/y/z.txt", "z")
	repo, err := gitrev.Open(r.Path("x/y/not-yet"))
	if err != nil {
		t.Fatal(err)
	}
	if repo.Root() != r.Dir {
		t.Errorf("root %s, want %s", repo.Root(), r.Dir)
	}
	for in, want := range map[string]string{r.Dir: ".", r.Path("x/y"): "x/y", r.Path("x/y/"): "x/y"} {
		if got, err := repo.Rel(in); err != nil || got != want {
			t.Errorf("Rel(%s) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := repo.Rel(t.TempDir()); !errors.Is(err, gitrev.ErrOutside) {
		t.Errorf("Rel outside: got %v", err)
	}
	if _, err := gitrev.Open(t.TempDir()); !errors.Is(err, gitrev.ErrNotRepo) {
		t.Errorf("Open outside a repository: got %v, want ErrNotRepo", err)
	}
}

// TestHooksDir: .git/hooks, core.hooksPath (relative to the work tree),
// and a linked work tree sharing the main repository's hooks.
func TestHooksDir(t *testing.T) {
	r := gittest.New(t)
	r.Write("a.txt", "a")
	r.Commit("one")
	dir, err := open(t, r).HooksDir()
	if err != nil || dir != r.Path(".git/hooks") {
		t.Errorf("default hooks dir %q, %v", dir, err)
	}
	linked := filepath.Join(t.TempDir(), "linked")
	r.Git("worktree", "add", "-q", linked)
	lrepo, err := gitrev.Open(linked)
	if err != nil {
		t.Fatal(err)
	}
	if dir, err := lrepo.HooksDir(); err != nil || dir != r.Path(".git/hooks") {
		t.Errorf("linked work tree hooks dir %q, %v; want the main repository's", dir, err)
	}
	tree, err := lrepo.Revision("HEAD")
	if err != nil {
		t.Fatalf("linked work tree: %v", err)
	}
	want(t, "linked HEAD", files(t, tree, ""), "a.txt", "a")
	r.Git("config", "core.hooksPath", ".githooks")
	if dir, err := open(t, r).HooksDir(); err != nil || dir != r.Path(".githooks") {
		t.Errorf("core.hooksPath: %q, %v", dir, err)
	}
}

func runGit(t *testing.T, dir string, env []string, args ...string) {
	t.Helper()
	r := gittest.Cmd(dir, env, args...)
	if out, err := r.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

// TestTreesReadConcurrently: the Trees of one repository read from many
// goroutines at once (verify fingerprints both snapshots at once, and
// reads the output's ids and record while it reads the intents) give
// what they give one at a time. Unlocked, a
// commit's tree records the hashes it lists in a map: concurrent listing
// aborts the process ("concurrent map writes"), and go-git's object
// storage reads packfiles through shared handles.
func TestTreesReadConcurrently(t *testing.T) {
	r := gittest.New(t)
	for i := range 200 {
		r.Write(filepath.Join("out", strconv.Itoa(i%7), strconv.Itoa(i)+".yaml"), strings.Repeat("x", i))
	}
	r.Commit("files")
	r.Git("gc", "-q") // objects in a packfile, as in a clone
	repo := open(t, r)
	trees := []*gitrev.Tree{rev(t, repo, "HEAD"), rev(t, repo, "HEAD"), index(t, repo)}
	wantIDs, err := trees[0].IDs("out")
	if err != nil || len(wantIDs) != 200 {
		t.Fatalf("IDs: %d files, %v", len(wantIDs), err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 12 {
		tree := trees[g%len(trees)]
		wg.Go(func() {
			for i := range 20 {
				ids, err := tree.IDs("out")
				if err == nil && !maps.Equal(ids, wantIDs) {
					err = fmt.Errorf("%s: ids differ", tree.Name)
				}
				if err == nil {
					p := "out/" + strconv.Itoa(i%7) + "/" + strconv.Itoa(i) + ".yaml"
					var got map[string][]byte
					if got, err = tree.Read(p, false, nil); err == nil && string(got[p]) != strings.Repeat("x", i) {
						err = fmt.Errorf("%s: %s reads %q", tree.Name, p, got[p])
					}
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
