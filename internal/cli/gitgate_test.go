package cli

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/internal/testkit/gittest"
)

const gateIntents = `package shop

import "netpolc.dev/templates"

namespaces: shop: workloads: {
	web: ports: http: 8080
	db: ports: postgres: 5432
}
use: deny: templates.#DefaultDeny & {namespace: "shop"}
use: dns: templates.#AllowDNS & {namespace: "shop"}
policies: "db-in": {namespace: "shop", workload: "db", ingress: [{from: [{workload: "web"}], ports: ["postgres"]}]}
policies: "web-out": {namespace: "shop", workload: "web", egress: [{to: [{workload: "db"}], ports: ["postgres"]}]}
guardrails: "db-private": noIngressFromWorld: "shop/db"
`

// gateRepo is a repository with netpolc.yaml and intents, built and
// committed, as the working directory.
func gateRepo(t *testing.T) *gittest.Repo {
	t.Helper()
	r := gittest.New(t)
	r.Write("netpolc.yaml", "intents: intents\noutput: deploy/netpol\n")
	r.Write("intents/shop.cue", gateIntents)
	r.Chdir()
	mustRun(t, 0, "build")
	r.Commit("shop")
	return r
}

// netpolc runs the CLI and returns the exit code, stdout and stderr.
func netpolc(args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := Main(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func mustRun(t *testing.T, want int, args ...string) (string, string) {
	t.Helper()
	code, stdout, stderr := netpolc(args...)
	if code != want {
		t.Fatalf("netpolc %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, want, stdout, stderr)
	}
	return stdout, stderr
}

func matches(t *testing.T, what, re, s string) {
	t.Helper()
	if !regexp.MustCompile(re).MatchString(s) {
		t.Errorf("%s does not match %q:\n%s", what, re, s)
	}
}

// TestGateExitCodes: 0 fine, 1 a check failed, 2 bad usage or input —
// for verify and diff, with netpolc.yaml supplying the paths.
func TestGateExitCodes(t *testing.T) {
	r := gateRepo(t)
	out, _ := mustRun(t, 0, "verify")
	matches(t, "verify", `^netpolc verify: ok — the staged index: deploy/netpol matches a fresh build of intents \(\d+ files\); 1 guardrail\(s\) and 0 expectation\(s\) hold; vs HEAD \([0-9a-f]{7}\): no connectivity change\n$`, out)
	out, _ = mustRun(t, 0, "diff", "--base", "HEAD")
	matches(t, "diff", `^no connectivity change from HEAD \([0-9a-f]{7}\) to the work tree\n$`, out)

	_, errOut := mustRun(t, 2, "diff", "--base", "no-such-rev")
	matches(t, "unknown revision", `unknown revision "no-such-rev"`, errOut)
	_, errOut = mustRun(t, 2, "diff")
	matches(t, "missing --base", `required flag.*"base"`, errOut)
	mustRun(t, 2, "diff", "--base", "HEAD", "--staged", "--head", "HEAD")
	mustRun(t, 2, "verify", "--format", "xml")
	mustRun(t, 2, "diff", "--base", "HEAD", "--color", "sometimes")
	_, errOut = mustRun(t, 2, "diff", "--base", "HEAD", "nowhere")
	matches(t, "absent dir", `nowhere: not found on either side`, errOut)

	// A staged opening flips diff --exit-code and --deny-opened.
	r.Write("intents/shop.cue", strings.ReplaceAll(gateIntents, `ports: ["postgres"]`, `ports: ["postgres", "TCP/6432"]`))
	mustRun(t, 0, "build")
	r.Git("add", "-A")
	mustRun(t, 0, "verify")
	out, _ = mustRun(t, 1, "verify", "--deny-opened", "--color", "never")
	matches(t, "deny-opened", `✗ opened: the change opens connectivity`, out)
	mustRun(t, 0, "diff", "--base", "HEAD", "--staged")
	mustRun(t, 1, "diff", "--base", "HEAD", "--staged", "--exit-code")
	out, _ = mustRun(t, 0, "diff", "--base", "HEAD", "--staged", "--format", "json")
	matches(t, "json", `"change": "changed"`, out)

	// Drift: exit 1, the file named.
	edited := "deploy/netpol/networkpolicy/shop/shop-ingress-db.yaml"
	r.Write(edited, r.Read(edited)+"# hand edit\n")
	r.Git("add", "-A")
	out, _ = mustRun(t, 1, "verify")
	matches(t, "drift", `changed  `+regexp.QuoteMeta(edited), out)

	// Intents that do not compile: exit 2, positioned, naming the side.
	r.Write("intents/shop.cue", gateIntents+"namespaces: shop: lables: {}\n")
	r.Git("add", "-A")
	_, errOut = mustRun(t, 2, "verify")
	matches(t, "compile error", `^netpolc: in the staged index:\nintents/shop\.cue:14:\d+: .*lables.*not allowed`, errOut)
}

// TestGuardrailVet: vet fails (exit 1) on a broken guardrail, like verify.
func TestGuardrailVet(t *testing.T) {
	r := gateRepo(t)
	r.Write("intents/shop.cue", gateIntents+`policies: "db-world": {namespace: "shop", workload: "db", ingress: [{from: [{world: true}], ports: ["postgres"]}]}`+"\n")
	_, errOut := mustRun(t, 1, "vet", "intents")
	matches(t, "vet", `intents/shop\.cue:13:\d+: guardrails\."db-private": guardrail broken: nothing outside the cluster may reach shop/db`, errOut)
	mustRun(t, 0, "build")
	r.Git("add", "-A")
	out, _ := mustRun(t, 1, "verify")
	matches(t, "verify", `guardrail broken`, out)
}

// TestBuildConfig: build takes DIR, OUT and targets from netpolc.yaml,
// found from a subdirectory; flags override it.
func TestBuildConfig(t *testing.T) {
	r := gateRepo(t)
	if err := os.MkdirAll(r.Path("intents/sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(r.Path("intents/sub"))
	out, _ := mustRun(t, 0, "build")
	matches(t, "build from a subdirectory", `^/.*/deploy/netpol: 0 written, \d+ unchanged, 0 removed\n`, out)
	out, _ = mustRun(t, 0, "build", "-o", r.Path("other"))
	matches(t, "-o overrides", `other: \d+ written`, out)
	r.Write("netpolc.yaml", "intents: intents\noutput: deploy/netpol\ntargets: [calcio]\n")
	_, errOut := mustRun(t, 2, "build")
	matches(t, "config targets", `unknown target "calcio"`, errOut)
	r.Write("netpolc.yaml", "intents: intents\noutpt: deploy\n")
	_, errOut = mustRun(t, 2, "build")
	matches(t, "bad config", `netpolc\.yaml:2:1: outpt: unknown key "outpt"`, errOut)
}

// TestHookInstall: idempotent, refuses a foreign hook without --force
// (keeping it as a backup with --force, put back by uninstall), follows
// core.hooksPath, and uninstalls only its own hook.
func TestHookInstall(t *testing.T) {
	r := gateRepo(t)
	hook := r.Path(".git/hooks/pre-commit")
	out, _ := mustRun(t, 0, "hook", "install")
	matches(t, "install", `pre-commit: installed`, out)
	first := r.Read(".git/hooks/pre-commit")
	if fi, err := os.Stat(hook); err != nil || fi.Mode()&0o111 == 0 {
		t.Fatalf("hook not executable: %v", err)
	}
	out, _ = mustRun(t, 0, "hook", "install")
	matches(t, "reinstall", `already installed`, out)
	if r.Read(".git/hooks/pre-commit") != first {
		t.Error("reinstalling changed the hook")
	}
	out, _ = mustRun(t, 0, "hook", "install", "--", "intents", "--deny-opened", "--base", "it's")
	matches(t, "update", `pre-commit: updated`, out)
	if !strings.Contains(r.Read(".git/hooks/pre-commit"), `exec "$NETPOLC" verify intents --deny-opened --base 'it'\''s'`) {
		t.Errorf("hook arguments not passed:\n%s", r.Read(".git/hooks/pre-commit"))
	}
	mustRun(t, 2, "hook", "install", "intents") // arguments without --

	r.Write(".git/hooks/pre-commit", "#!/bin/sh\necho mine\n")
	_, errOut := mustRun(t, 2, "hook", "install")
	matches(t, "foreign", `netpolc did not write it(?s).*--force`, errOut)
	if r.Read(".git/hooks/pre-commit") != "#!/bin/sh\necho mine\n" {
		t.Error("a foreign hook was touched without --force")
	}
	mustRun(t, 2, "hook", "uninstall")
	mustRun(t, 0, "hook", "install", "--force")
	if r.Read(".git/hooks/pre-commit.before-netpolc") != "#!/bin/sh\necho mine\n" {
		t.Error("--force must keep the foreign hook as a backup")
	}
	out, _ = mustRun(t, 0, "hook", "uninstall")
	matches(t, "uninstall", `pre-commit: removed\nrestored the hook netpolc replaced \(.*pre-commit\.before-netpolc\)`, out)
	if r.Read(".git/hooks/pre-commit") != "#!/bin/sh\necho mine\n" {
		t.Error("uninstall did not put the replaced hook back")
	}
	r.Remove(".git/hooks/pre-commit")
	mustRun(t, 0, "hook", "install")
	mustRun(t, 0, "hook", "uninstall")
	if _, err := os.Stat(hook); !os.IsNotExist(err) {
		t.Error("uninstall left the hook")
	}

	r.Git("config", "core.hooksPath", "tools/hooks")
	mustRun(t, 0, "hook", "install")
	if !strings.Contains(r.Read("tools/hooks/pre-commit"), "netpolc pre-commit hook") {
		t.Error("core.hooksPath not followed")
	}
}

// TestGateOutsideRepo: diff and verify need a git repository: exit 2.
func TestGateOutsideRepo(t *testing.T) {
	gittest.Require(t)
	t.Chdir(t.TempDir())
	t.Setenv("HOME", t.TempDir())
	_, errOut := mustRun(t, 2, "verify")
	matches(t, "verify", `not inside a git work tree`, errOut)
	mustRun(t, 2, "diff", "--base", "HEAD")
	mustRun(t, 2, "hook", "install")
}

// TestVerifyUsesBuildConfig: verify rebuilds with netpolc.yaml's targets
// (and build flags), so what build wrote verifies; other targets drift.
func TestVerifyUsesBuildConfig(t *testing.T) {
	r := gateRepo(t)
	r.Write("netpolc.yaml", "intents: intents\noutput: deploy/netpol\ntargets: [networkpolicy, cilium]\n")
	mustRun(t, 0, "build")
	r.Commit("cilium too")
	mustRun(t, 0, "verify")
	out, _ := mustRun(t, 1, "verify", "--target", "networkpolicy")
	matches(t, "other targets", `changed  deploy/netpol/kustomization\.yaml(?s).*extra    deploy/netpol/cilium/`, out)
}

// TestVerifyReadsStagedConfig: the hook checks what is staged, netpolc.yaml
// included; an unstaged edit of it changes nothing.
func TestVerifyReadsStagedConfig(t *testing.T) {
	r := gateRepo(t)
	mustRun(t, 0, "verify")
	r.Write("netpolc.yaml", "intents: intents\noutput: deploy/netpol\ntargets: [networkpolicy, calico]\n")
	mustRun(t, 0, "verify") // not staged: the committed config still holds
	r.Git("add", "netpolc.yaml")
	out, _ := mustRun(t, 1, "verify")
	matches(t, "staged config", `missing  deploy/netpol/calico/`, out)
}
