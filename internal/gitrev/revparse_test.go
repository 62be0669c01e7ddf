package gitrev_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/internal/gitrev"
	"github.com/netpolc/netpolc/internal/testkit/gittest"
)

// TestRevisionsAgreeWithGit resolves every revision form against the git
// binary (`git rev-parse --verify REV^{commit}`): netpolc either names the
// very commit git names, or refuses with ErrUnknownRevision — never a
// different commit. Reflog, tree and path forms are refused even where
// git resolves them, since go-git cannot resolve them exactly.
func TestRevisionsAgreeWithGit(t *testing.T) {
	r := gittest.New(t)
	r.Write("intents/a.cue", "package a\n")
	first := r.Commit("one")
	r.Write("intents/a.cue", "package a // two\n")
	r.Commit("two")
	r.Git("tag", "v2")
	r.Git("tag", "-a", "v2-annotated", "-m", "annotated")
	r.Write("intents/a.cue", "package a // three\n")
	r.Commit("three")
	r.Git("checkout", "-q", "-b", "feature")
	r.Write("intents/b.cue", "package a\n")
	r.Commit("feature")
	r.Git("checkout", "-q", "main")
	r.Git("merge", "-q", "--no-ff", "-m", "merge", "feature")
	r.Git("update-ref", "refs/remotes/origin/main", "HEAD~1")
	// A branch whose name is also a prefix of another commit's hash: git
	// and go-git disagree on which wins.
	r.Git("branch", first[:8], "HEAD")
	repo := open(t, r)
	revs := []string{
		"HEAD", "@", "main", "HEAD~1", "HEAD^", "HEAD^2", "HEAD^1^", "HEAD~2^", "@~1", "main~3",
		"v2", "v2-annotated", "origin/main", "refs/heads/main", "refs/tags/v2", first, first[:7], first[:8], first[:4],
		"main@{1}", "HEAD@{5}", "@{1}", "main@{yesterday}", "HEAD:intents", "HEAD:intents/a.cue",
		"main^{tree}", "HEAD^{commit}", "v2^{}", ":/three", "HEAD^{/two}", "main..feature", "HEAD^-1",
		"-main", "main.lock", "a b", "HEAD~~", "HEAD~0", "HEAD^0", "feature", "no-such", "origin/main~1",
	}
	for _, rev := range revs {
		gitHash, gitErr := r.TryGit("rev-parse", "--verify", "-q", rev+"^{commit}")
		tree, err := repo.Revision(rev)
		switch {
		case err != nil:
			if !errors.Is(err, gitrev.ErrUnknownRevision) {
				t.Errorf("%q: error %v is not ErrUnknownRevision", rev, err)
			}
		case tree.Missing:
			if gitErr == nil {
				t.Errorf("%q: netpolc says missing, git says %s", rev, gitHash)
			}
		case gitErr != nil:
			t.Errorf("%q: netpolc resolved %s, git cannot resolve it", rev, tree.Commit)
		case tree.Commit != strings.TrimSpace(gitHash):
			t.Errorf("%q: netpolc resolved %s, git %s", rev, tree.Commit, strings.TrimSpace(gitHash))
		}
	}
}

// TestRevisionHints: a refused form says what to write instead.
func TestRevisionHints(t *testing.T) {
	r := gittest.New(t)
	r.Write("a.txt", "x")
	r.Commit("one")
	repo := open(t, r)
	for rev, hint := range map[string]string{
		"main@{1}":     "reflog",
		"HEAD:intents": "commit",
		"main^{tree}":  "commit",
	} {
		_, err := repo.Revision(rev)
		if err == nil || !strings.Contains(err.Error(), hint) {
			t.Errorf("%q: got %v, want a hint about %s", rev, err, hint)
		}
	}
}

// TestMissingIndexFile: a GIT_INDEX_FILE that does not exist is an error
// that names it, not an empty index ("no .cue files").
func TestMissingIndexFile(t *testing.T) {
	r := gittest.New(t)
	r.Write("a.txt", "one")
	r.Commit("one")
	repo := open(t, r)
	t.Setenv("GIT_INDEX_FILE", filepath.Join(t.TempDir(), "gone"))
	_, err := repo.Index()
	if err == nil || !strings.Contains(err.Error(), "GIT_INDEX_FILE") {
		t.Errorf("got %v, want an error naming GIT_INDEX_FILE", err)
	}
}

// TestShallowClone: a base whose history a shallow clone lacks is refused
// with the fetch to run, not go-git's "object not found".
func TestShallowClone(t *testing.T) {
	r := gittest.New(t)
	for i := range 3 {
		r.Write("a.txt", strings.Repeat("x", i+1))
		r.Commit("c")
	}
	dir := filepath.Join(t.TempDir(), "shallow")
	if out, err := gittest.Cmd(t.TempDir(), r.Env(), "clone", "-q", "--depth", "1", "file://"+r.Dir, dir).CombinedOutput(); err != nil {
		t.Fatalf("git clone --depth 1: %v\n%s", err, out)
	}
	repo, err := gitrev.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := repo.Revision("HEAD"); err != nil {
		t.Fatalf("HEAD of a shallow clone: %v", err)
	}
	_, err = repo.Revision("HEAD~1")
	if err == nil || !errors.Is(err, gitrev.ErrUnknownRevision) || !strings.Contains(err.Error(), "fetch") {
		t.Errorf("HEAD~1 of a depth-1 clone: got %v, want a refusal that says to fetch more history", err)
	}
}

// TestBlobLimit: a file larger than the bound is refused before it is
// read, naming the file and the override.
func TestBlobLimit(t *testing.T) {
	r := gittest.New(t)
	r.Write("m/big.yaml", strings.Repeat("# padding\n", 2000))
	r.Commit("big")
	repo := open(t, r)
	t.Setenv("NETPOLC_LIMITS", "git-blob-bytes=1KiB")
	tree := rev(t, repo, "HEAD")
	_, err := tree.Read("m", true, nil)
	if err == nil || !strings.Contains(err.Error(), "m/big.yaml") || !strings.Contains(err.Error(), "git-blob-bytes") {
		t.Errorf("got %v, want a refusal naming the file and the limit", err)
	}
	t.Setenv("NETPOLC_LIMITS", "")
	if _, err := tree.Read("m", true, nil); err != nil {
		t.Errorf("under the default limit: %v", err)
	}
}
