package gate_test

import (
	"bytes"
	"errors"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/internal/cli"
	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/gate"
	"github.com/netpolc/netpolc/internal/gitrev"
	"github.com/netpolc/netpolc/internal/output"
	"github.com/netpolc/netpolc/internal/pipeline"
	"github.com/netpolc/netpolc/internal/render/gatereport"
	"github.com/netpolc/netpolc/internal/target"
	"github.com/netpolc/netpolc/internal/testkit/gittest"
)

// TestMain lets the test binary stand in for the netpolc command, so the
// hook test can run a real `git commit` whose pre-commit hook calls it.
func TestMain(m *testing.M) {
	if os.Getenv("NETPOLC_TEST_AS_CLI") == "1" {
		os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// The fixture: a three-tier shop, denied by default, with two guardrails
// and an expectation. Line numbers matter to the tests.
const (
	nsCue = `package shop

import "netpolc.dev/templates"

namespaces: shop: workloads: {
	web: ports: http: 8080
	app: ports: http: 8080
	db: ports: postgres: 5432
}
use: deny: templates.#DefaultDeny & {namespace: "shop"}
use: dns: templates.#AllowDNS & {namespace: "shop"}
`
	tiersCue = `package shop

import "netpolc.dev/templates"

use: tiers: templates.#Tiers & {
	namespace: "shop"
	tiers: [{workload: "web", ports: ["http"]}, {workload: "app", ports: ["http"]}, {workload: "db", ports: ["postgres"]}]
}
`
	checksCue = `package shop

guardrails: "db-private": {
	reason: "the database is never exposed"
	noIngressFromWorld: "shop/db"
}
guardrails: "db-from-app": onlyFrom: {to: "shop/db", from: "shop/app"}
expect: "web cannot reach db": {from: "shop/web", to: "shop/db", port: "TCP/5432", allowed: false}
`
	// webToDB opens shop/web → shop/db: it breaks db-from-app and the
	// expectation, not db-private.
	webToDB = `package shop

policies: "db-in": {namespace: "shop", workload: "db", ingress: [{from: [{workload: "web"}], ports: ["postgres"]}]}
policies: "web-out": {namespace: "shop", workload: "web", egress: [{to: [{workload: "db"}], ports: ["postgres"]}]}
`
	// worldToDB exposes the database: it breaks both guardrails.
	worldToDB = `package shop

policies: "db-world": {namespace: "shop", workload: "db", ingress: [{from: [{world: true}], ports: ["postgres"]}]}
`
)

const outDir = "deploy/netpol"

// newShop makes a repository holding the fixture and its built output,
// staged but not committed.
func newShop(t *testing.T) *gittest.Repo {
	t.Helper()
	r := gittest.New(t)
	r.Write("intents/ns.cue", nsCue)
	r.Write("intents/tiers.cue", tiersCue)
	r.Write("intents/checks.cue", checksCue)
	rebuild(t, r)
	r.Git("add", "-A")
	return r
}

// rebuild runs `netpolc build intents -o deploy/netpol` in the work tree.
func rebuild(t *testing.T, r *gittest.Repo) {
	t.Helper()
	out, err := pipeline.Run(pipeline.Sources{IntentsDir: r.Path("intents")}, pipeline.Options{Targets: target.MustParse("networkpolicy")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := output.Write(r.Path(outDir), out.Files); err != nil {
		t.Fatal(err)
	}
}

func openRepo(t *testing.T, r *gittest.Repo) *gitrev.Repo { return openRepoB(t, r) }

func openRepoB(t testing.TB, r *gittest.Repo) *gitrev.Repo {
	t.Helper()
	repo, err := gitrev.Open(r.Dir)
	if err != nil {
		t.Fatal(err)
	}
	return repo
}

// run verifies the staged index against base ("" for no diff).
func run(t *testing.T, r *gittest.Repo, base string, denyOpened bool) *gate.Report {
	t.Helper()
	rep, err := tryRun(t, r, base, denyOpened)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func tryRun(t *testing.T, r *gittest.Repo, base string, denyOpened bool) (*gate.Report, error) {
	t.Helper()
	repo := openRepo(t, r)
	head, err := repo.Index()
	if err != nil {
		t.Fatal(err)
	}
	o := gate.Options{Head: head, Intents: "intents", Output: outDir, Build: pipeline.Options{Targets: target.MustParse("networkpolicy")}, DenyOpened: denyOpened}
	if base != "" {
		if o.Base, err = repo.Revision(base); err != nil {
			t.Fatal(err)
		}
	}
	return gate.Run(o)
}

// diffOf diffs intents between two snapshots ("index" and "worktree" name
// the index and the work tree).
func diffOf(t *testing.T, r *gittest.Repo, base, head string, spec gate.Spec) *gate.Diff {
	t.Helper()
	repo := openRepo(t, r)
	d, _, err := gate.DiffSnapshots(snapshot(t, repo, base), snapshot(t, repo, head), spec)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func snapshot(t *testing.T, repo *gitrev.Repo, name string) *gitrev.Tree {
	t.Helper()
	switch name {
	case "index":
		tree, err := repo.Index()
		if err != nil {
			t.Fatal(err)
		}
		return tree
	case "worktree":
		return repo.WorkTree()
	}
	tree, err := repo.Revision(name)
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

// flows renders a diff's flows one a line: "+ src -> dst ports".
func flows(d *gate.Diff) []string {
	var out []string
	for _, f := range d.Flows {
		ports := f.After.String()
		switch f.Change {
		case gate.Closed:
			ports = f.Before.String()
		case gate.Changed:
			ports = f.Before.String() + " => " + f.After.String()
		}
		out = append(out, string(f.Change)+" "+f.Src+" -> "+f.Dst+" "+ports)
	}
	return out
}

func text(t *testing.T, rep *gate.Report, limit int) string {
	t.Helper()
	var b bytes.Buffer
	if err := gatereport.WriteReport(&b, rep, gatereport.RenderOptions{Format: gatereport.Text, Limit: limit}); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func mustMatch(t *testing.T, what, re, s string) {
	t.Helper()
	if !regexp.MustCompile(re).MatchString(s) {
		t.Errorf("%s does not match %q:\n%s", what, re, s)
	}
}

// TestFirstCommit: before the first commit, HEAD is "no policies": every
// flow is opened, each naming the intent line that opens it.
func TestFirstCommit(t *testing.T) {
	r := newShop(t)
	rep := run(t, r, "HEAD", false)
	if rep.Failed() {
		t.Fatalf("the fixture must verify:\n%s", text(t, rep, 0))
	}
	if rep.Diff == nil || rep.Diff.Base != "HEAD (no commits yet)" || rep.Diff.Closed+rep.Diff.Changed != 0 || rep.Diff.Opened == 0 || !rep.Diff.BaseEmpty {
		t.Fatalf("diff from an unborn HEAD: %+v", rep.Diff)
	}
	var b bytes.Buffer
	if err := gatereport.WriteDiff(&b, rep.Diff, gatereport.RenderOptions{Format: gatereport.Text, Limit: gatereport.DefaultLimit}); err != nil {
		t.Fatal(err)
	}
	mustMatch(t, "the diff from nothing", `(?m)^note: HEAD \(no commits yet\) holds no policies, and without policies Kubernetes allows all traffic: this change isolates its workloads`, b.String())
	var webApp *gate.Flow
	for i, f := range rep.Diff.Flows {
		if f.Src == "shop/web" && f.Dst == "shop/app" {
			webApp = &rep.Diff.Flows[i]
		}
	}
	if webApp == nil || webApp.After.String() != "TCP/8080" || !slices.Equal(webApp.Origins, []string{"intents/tiers.cue:5:6 (templates.#Tiers)"}) {
		t.Errorf("shop/web → shop/app: %+v", webApp)
	}
	mustMatch(t, "summary", `^netpolc verify: ok — the staged index: deploy/netpol matches a fresh build of intents \(\d+ files\); 2 guardrail\(s\) and 1 expectation\(s\) hold; vs HEAD \(no commits yet\): \d+ opened, 0 changed, 0 closed flow\(s\)\n$`, text(t, rep, gatereport.DefaultLimit))
}

// TestRename: renaming an intent file changes no connectivity, but the
// generated files record their origin, so the output drifts until rebuilt.
func TestRename(t *testing.T) {
	r := newShop(t)
	r.Commit("shop")
	r.Git("mv", "intents/tiers.cue", "intents/chain.cue")
	if d := diffOf(t, r, "HEAD", "index", gate.Spec{Intents: "intents"}); !d.Empty() {
		t.Errorf("a rename changes no connectivity: %v", flows(d))
	}
	rep := run(t, r, "HEAD", false)
	if !rep.Failed() || len(rep.Drift.Changed) == 0 || len(rep.Drift.Missing)+len(rep.Drift.Extra) != 0 {
		t.Fatalf("renamed without rebuilding: want changed files, got %+v", rep.Drift)
	}
	for _, f := range rep.Drift.Changed {
		if !strings.HasPrefix(f, outDir+"/") {
			t.Errorf("drift lists %s outside the output", f)
		}
	}
	mustMatch(t, "report", `✗ drift: deploy/netpol is not what `+"`netpolc build`"+` makes from intents \(\d+ of \d+ files differ\):\n    changed  deploy/netpol/\.netpolc-files\n    changed  deploy/netpol/networkpolicy/shop/`, text(t, rep, 0))
	rebuild(t, r)
	r.Git("add", "-A")
	if rep := run(t, r, "HEAD", false); rep.Failed() {
		t.Errorf("after rebuilding:\n%s", text(t, rep, 0))
	}
}

// TestDeletedIntentsDir: deleting the intents closes every flow, each
// naming what used to allow it; verify refuses to check nothing.
func TestDeletedIntentsDir(t *testing.T) {
	r := newShop(t)
	r.Commit("shop")
	r.Git("rm", "-q", "-r", "intents")
	d := diffOf(t, r, "HEAD", "index", gate.Spec{Intents: "intents"})
	if d.Closed == 0 || d.Opened+d.Changed != 0 {
		t.Fatalf("want only closed flows: %v", flows(d))
	}
	for _, f := range d.Flows {
		if len(f.Origins) == 0 {
			t.Errorf("closed flow %s → %s names nothing that allowed it", f.Src, f.Dst)
		}
	}
	if _, err := tryRun(t, r, "HEAD", false); err == nil || !strings.Contains(err.Error(), "no .cue files in the staged index") {
		t.Errorf("verify without intents: %v", err)
	}
	repo := openRepo(t, r)
	_, _, err := gate.DiffSnapshots(snapshot(t, repo, "HEAD"), snapshot(t, repo, "index"), gate.Spec{Intents: "intnets"})
	if !errors.Is(err, gate.ErrNotFound) || !errors.Is(err, diag.ErrInput) {
		t.Errorf("a directory on neither side: got %v, want ErrNotFound", err)
	}
}

// TestStagedVersusUnstaged: the index is what gets committed; unstaged
// edits do not count, and the work tree shows both.
func TestStagedVersusUnstaged(t *testing.T) {
	r := newShop(t)
	r.Commit("shop")
	r.Write("intents/tiers.cue", strings.Replace(tiersCue, `ports: ["postgres"]`, `ports: ["postgres", "TCP/6432"]`, 1))
	rebuild(t, r)
	r.Git("add", "-A")
	r.Write("intents/open.cue", webToDB) // not staged, not built
	staged := diffOf(t, r, "HEAD", "index", gate.Spec{Intents: "intents"})
	if got := flows(staged); !slices.Equal(got, []string{"changed shop/app -> shop/db TCP/5432 => TCP/5432,TCP/6432"}) {
		t.Errorf("staged diff: %v", got)
	}
	work := flows(diffOf(t, r, "HEAD", "worktree", gate.Spec{Intents: "intents"}))
	if !slices.Contains(work, "opened shop/web -> shop/db TCP/5432") || len(work) != 2 {
		t.Errorf("work tree diff: %v", work)
	}
	rep := run(t, r, "HEAD", false)
	if rep.Failed() {
		t.Errorf("the staged change verifies; unstaged edits must not count:\n%s", text(t, rep, 0))
	}
}

// TestMergeBase: each parent of a merge commit is a base; the diff shows
// what the merge brought in from the other side.
func TestMergeBase(t *testing.T) {
	r := gittest.New(t)
	r.Write("intents/ns.cue", nsCue)
	r.Write("intents/tiers.cue", tiersCue)
	r.Commit("shop")
	r.Git("checkout", "-q", "-b", "feature")
	r.Write("intents/open.cue", webToDB)
	r.Commit("feature: web reaches db")
	r.Git("checkout", "-q", "main")
	r.Write("intents/world.cue", worldToDB)
	r.Commit("main: db from the world")
	r.Git("merge", "-q", "--no-ff", "-m", "merge feature", "feature")
	merge := r.Git("rev-parse", "HEAD")
	fromMain := flows(diffOf(t, r, "HEAD^1", "HEAD", gate.Spec{Intents: "intents"}))
	if !slices.Equal(fromMain, []string{"opened shop/web -> shop/db TCP/5432"}) {
		t.Errorf("HEAD^1 → merge: %v", fromMain)
	}
	fromFeature := flows(diffOf(t, r, "HEAD^2", "HEAD", gate.Spec{Intents: "intents"}))
	if len(fromFeature) == 0 || !strings.HasPrefix(fromFeature[0], "opened ip:") || !strings.HasSuffix(fromFeature[0], "-> shop/db TCP/5432") {
		t.Errorf("HEAD^2 → merge: %v", fromFeature)
	}
	if d := diffOf(t, r, merge[:8], "worktree", gate.Spec{Intents: "intents"}); !d.Empty() {
		t.Errorf("merge commit by short hash → work tree: %v", flows(d))
	}
}
