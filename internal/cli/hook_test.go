package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/internal/testkit/gittest"
)

// legacyHook is the hook netpolc wrote before hooks carried a checksum:
// still recognised as netpolc's, exactly.
const legacyHook = "#!/bin/sh\n# netpolc pre-commit hook: written by `netpolc hook install`.\n# Reinstall to update it; `netpolc hook uninstall` removes it.\n#\n# It verifies what is staged (not unstaged edits): the generated policies\n# match the intents, every guardrail and expect assertion holds.\n# Skip it once with: git commit --no-verify\nNETPOLC=\"${NETPOLC:-netpolc}\"\nif ! command -v \"$NETPOLC\" >/dev/null 2>&1; then\n\techo \"netpolc pre-commit hook: '$NETPOLC' not found; install it (go install github.com/netpolc/netpolc/cmd/netpolc@latest) or set NETPOLC to its path\" >&2\n\texit 1\nfi\nexec \"$NETPOLC\" verify intents --base 'it'\\''s'\n"

// TestHookBackupNeverOverwritten: --force over two different foreign
// hooks keeps both, and says truthfully where.
func TestHookBackupNeverOverwritten(t *testing.T) {
	r := gateRepo(t)
	hooks := r.Path(".git/hooks")
	r.Write(".git/hooks/pre-commit", "#!/bin/sh\necho first\n")
	_, errOut := mustRun(t, 0, "hook", "install", "--force")
	matches(t, "first backup", `kept the previous hook as .*pre-commit\.before-netpolc\b`, errOut)
	r.Write(".git/hooks/pre-commit", "#!/bin/sh\necho second\n")
	_, errOut = mustRun(t, 0, "hook", "install", "--force")
	matches(t, "second backup", `kept the previous hook as .*pre-commit\.before-netpolc\.2\b`, errOut)
	if got := r.Read(".git/hooks/pre-commit.before-netpolc"); got != "#!/bin/sh\necho first\n" {
		t.Errorf("first backup overwritten: %q", got)
	}
	if got := r.Read(".git/hooks/pre-commit.before-netpolc.2"); got != "#!/bin/sh\necho second\n" {
		t.Errorf("second backup: %q", got)
	}
	entries, _ := os.ReadDir(hooks)
	for _, e := range entries {
		if strings.Contains(e.Name(), "tmp") {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
}

// TestHookRecognisedExactly: a foreign hook that contains netpolc's marker,
// or netpolc's hook edited by hand, is foreign: not replaced without
// --force, never removed by uninstall. The hook of an earlier netpolc is
// recognised exactly.
func TestHookRecognisedExactly(t *testing.T) {
	r := gateRepo(t)
	hook := ".git/hooks/pre-commit"
	mustRun(t, 0, "hook", "install")
	ours := r.Read(hook)
	for name, content := range map[string]string{
		"marker in a foreign hook": "#!/bin/sh\n# netpolc pre-commit hook: written by `netpolc hook install`.\nmake lint\n",
		"edited netpolc hook":      ours + "make lint\n",
		"edited legacy hook":       strings.Replace(legacyHook, "exec ", "make lint\nexec ", 1),
		"legacy hook, odd args":    strings.Replace(legacyHook, "'it'\\''s'", "$(rm -rf ~)", 1),
	} {
		r.Write(hook, content)
		_, errOut := mustRun(t, 2, "hook", "install")
		matches(t, name, `netpolc did not write it`, errOut)
		mustRun(t, 2, "hook", "uninstall")
		if r.Read(hook) != content {
			t.Errorf("%s: touched", name)
		}
	}
	r.Write(hook, legacyHook)
	out, _ := mustRun(t, 0, "hook", "install")
	matches(t, "legacy", `pre-commit: updated`, out)
	r.Write(hook, legacyHook)
	out, _ = mustRun(t, 0, "hook", "uninstall")
	matches(t, "legacy uninstall", `pre-commit: removed`, out)
}

// TestHookChains: the hook netpolc replaced still runs, first, and its
// failure stops the commit; uninstall puts it back.
func TestHookChains(t *testing.T) {
	r := gateRepo(t)
	ran := r.Path("ran")
	team := "#!/bin/sh\necho team >> '" + ran + "'\n[ ! -e '" + r.Path("fail") + "' ]\n"
	r.Write(".git/hooks/pre-commit", team)
	if err := os.Chmod(r.Path(".git/hooks/pre-commit"), 0o755); err != nil {
		t.Fatal(err)
	}
	mustRun(t, 0, "hook", "install", "--force")
	r.Write("notes.txt", "a\n")
	r.Commit("with both hooks")
	if got := r.Read("ran"); got != "team\n" {
		t.Errorf("team hook ran %q times", got)
	}
	// The team hook fails: the commit stops, though verify would pass.
	r.Write("fail", "")
	r.Write("notes.txt", "b\n")
	r.Git("add", "-A")
	if out, err := r.TryGit("commit", "-q", "-m", "blocked"); err == nil {
		t.Errorf("commit passed a failing team hook:\n%s", out)
	}
	r.Remove("fail")
	// netpolc's part still checks: a hand edit of the output stops it.
	edited := "deploy/netpol/networkpolicy/shop/shop-ingress-db.yaml"
	r.Write(edited, r.Read(edited)+"# hand edit\n")
	r.Git("add", "-A")
	if out, err := r.TryGit("commit", "-q", "-m", "drift"); err == nil || !strings.Contains(out, "drift") {
		t.Errorf("commit with drift: err %v\n%s", err, out)
	}
	out, _ := mustRun(t, 0, "hook", "uninstall")
	matches(t, "uninstall restores", `restored the hook netpolc replaced`, out)
	if r.Read(".git/hooks/pre-commit") != team {
		t.Error("uninstall did not put the team's hook back")
	}
}

// TestHookGlobalHooksPath: a hooks path outside the repository (a global
// core.hooksPath) is refused without --global; with it, the hook does
// nothing in a repository without netpolc, and checks one with it.
func TestHookGlobalHooksPath(t *testing.T) {
	r := gateRepo(t)
	shared := filepath.Join(t.TempDir(), "hooks")
	r.Git("config", "--global", "core.hooksPath", shared)
	_, errOut := mustRun(t, 2, "hook", "install")
	matches(t, "refused", `outside this repository(?s).*--global`, errOut)
	if _, err := os.Stat(filepath.Join(shared, "pre-commit")); !os.IsNotExist(err) {
		t.Fatal("refused install wrote the shared hook")
	}
	mustRun(t, 0, "hook", "install", "--global")
	mustRun(t, 2, "hook", "uninstall")

	// Another repository, without netpolc: commits pass, and netpolc is
	// not even looked for.
	other := gittest.Cmd(t.TempDir(), r.Env(), "init", "-q")
	if out, err := other.CombinedOutput(); err != nil {
		t.Fatalf("git init: %v\n%s", err, out)
	}
	env := append(r.Env(), "NETPOLC=/nonexistent/netpolc")
	if err := os.WriteFile(filepath.Join(other.Dir, "a.txt"), []byte("a"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"add", "-A"}, {"commit", "-q", "-m", "no netpolc here"}} {
		if out, err := gittest.Cmd(other.Dir, env, args...).CombinedOutput(); err != nil {
			t.Fatalf("git %v in a repository without netpolc: %v\n%s", args, err, out)
		}
	}
	// This repository: the hook checks.
	edited := "deploy/netpol/networkpolicy/shop/shop-ingress-db.yaml"
	r.Write(edited, r.Read(edited)+"# hand edit\n")
	r.Git("add", "-A")
	if out, err := r.TryGit("commit", "-q", "-m", "drift"); err == nil {
		t.Errorf("commit with drift passed the shared hook:\n%s", out)
	}
	out, _ := mustRun(t, 0, "hook", "uninstall", "--global")
	matches(t, "uninstall", `removed`, out)
}
