// Package gittest makes real git repositories in temporary directories for
// tests, driving the git binary. Product code never runs git; tests use it
// to build the histories (merges, renames, staged and unstaged edits) that
// the go-git readers must understand exactly as git does.
//
// Without a git binary the tests are skipped with a loud message, except
// under CI=true, where a missing git is a failure: the git gate must be
// tested in CI.
package gittest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Repo is a repository in a temporary directory.
type Repo struct {
	t   testing.TB
	Dir string
	env []string
}

// Require skips (or, under CI=true, fails) the test when git is missing.
func Require(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("git binary not found, and CI=true: the git gate tests must run in CI (%v)", err)
		}
		t.Skipf("SKIPPED: git binary not found (%v); the git gate tests need it", err)
	}
}

// New initialises a repository (branch main) with a private git
// configuration: HOME points at a temporary directory with a user name and
// e-mail, so neither the user's nor the system's git config leaks in, for
// git and for go-git alike. It sets HOME and unsets GIT_INDEX_FILE for the
// test, so tests using it cannot run in parallel.
func New(t testing.TB) *Repo {
	t.Helper()
	Require(t)
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	t.Setenv("GIT_INDEX_FILE", "")
	gitconfig := "[user]\n\tname = netpolc test\n\temail = test@netpolc.invalid\n[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n"
	if err := os.WriteFile(filepath.Join(home, ".gitconfig"), []byte(gitconfig), 0o644); err != nil {
		t.Fatal(err)
	}
	r := &Repo{t: t, Dir: t.TempDir(), env: cleanEnv(home)}
	r.Git("init", "-q")
	return r
}

// cleanEnv is the environment without any GIT_ variable that would point
// git elsewhere, with the private HOME.
func cleanEnv(home string) []string {
	var out []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "GIT_") || strings.HasPrefix(kv, "HOME=") || strings.HasPrefix(kv, "XDG_CONFIG_HOME=") {
			continue
		}
		out = append(out, kv)
	}
	return append(out, "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"), "GIT_CONFIG_NOSYSTEM=1")
}

// Env is the environment git runs with (for running other commands, such
// as git commit with a hook, the same way).
func (r *Repo) Env() []string { return r.env }

// Git runs git in the repository and returns its trimmed output; a failure
// fails the test.
func (r *Repo) Git(args ...string) string {
	r.t.Helper()
	out, err := r.TryGit(args...)
	if err != nil {
		r.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// TryGit runs git and returns its combined output and error.
func (r *Repo) TryGit(args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = r.Dir
	cmd.Env = r.env
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// Path is the absolute path of a repository path.
func (r *Repo) Path(p string) string { return filepath.Join(r.Dir, filepath.FromSlash(p)) }

// Write writes a file (creating its directories).
func (r *Repo) Write(p, content string) {
	r.t.Helper()
	r.WriteBytes(p, []byte(content))
}

// WriteBytes writes a file (creating its directories).
func (r *Repo) WriteBytes(p string, data []byte) {
	r.t.Helper()
	full := r.Path(p)
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		r.t.Fatal(err)
	}
	if err := os.WriteFile(full, data, 0o644); err != nil {
		r.t.Fatal(err)
	}
}

// Read reads a file of the work tree.
func (r *Repo) Read(p string) string {
	r.t.Helper()
	data, err := os.ReadFile(r.Path(p))
	if err != nil {
		r.t.Fatal(err)
	}
	return string(data)
}

// Remove deletes a file or directory of the work tree.
func (r *Repo) Remove(p string) {
	r.t.Helper()
	if err := os.RemoveAll(r.Path(p)); err != nil {
		r.t.Fatal(err)
	}
}

// Commit stages everything and commits; it returns the new commit's hash.
func (r *Repo) Commit(msg string) string {
	r.t.Helper()
	r.Git("add", "-A")
	r.Git("commit", "-q", "--allow-empty", "-m", msg)
	return r.Git("rev-parse", "HEAD")
}

// Chdir makes the repository the working directory for the rest of the
// test.
func (r *Repo) Chdir() {
	r.t.Helper()
	r.t.Chdir(r.Dir)
}

// Cmd is a git command in dir with env, for tests that need a custom
// environment.
func Cmd(dir string, env []string, args ...string) *exec.Cmd {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = env
	return cmd
}
