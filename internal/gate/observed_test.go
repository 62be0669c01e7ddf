package gate_test

import (
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/internal/gate"
	"github.com/netpolc/netpolc/internal/pipeline"
	"github.com/netpolc/netpolc/internal/target"
	"github.com/netpolc/netpolc/internal/testkit/gittest"
)

// observedCSV is production's traffic: app → db and web → app, which the
// fixture's tiers allow, and a pod no intent declares.
const observedCSV = `src,dst,port/proto,count
shop/app,shop/db,TCP/5432,7
shop/web,shop/app,TCP/8080,3
shop/ghost,shop/db,TCP/5432,2
`

// noDBTier drops the db tier: app → db is no longer allowed.
const noDBTier = `package shop

import "netpolc.dev/templates"

use: tiers: templates.#Tiers & {
	namespace: "shop"
	tiers: [{workload: "web", ports: ["http"]}, {workload: "app", ports: ["http"]}]
}
`

func csvFile(name, content string) gate.FlowFile {
	return gate.FlowFile{Name: name, Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(content)), nil }}
}

// observedRun verifies the staged index against HEAD, judging in.
func observedRun(t *testing.T, r *gittest.Repo, in *gate.ObservedInput, cfg gate.ConfigCheck) *gate.Report {
	t.Helper()
	repo := openRepo(t, r)
	head, err := repo.Index()
	if err != nil {
		t.Fatal(err)
	}
	base, err := repo.Revision("HEAD")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := gate.Run(gate.Options{Head: head, Base: base, Intents: "intents", Output: outDir,
		Build: pipeline.Options{Targets: target.MustParse("networkpolicy")}, Observed: in, Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// blockedConns lists the newly blocked connections: "src → dst PORT ×n [closes]".
func blockedConns(rep *gate.Report) []string {
	var out []string
	for _, p := range rep.Observed.Change.Pairs {
		for _, b := range p.Conns {
			s := b.Key.String() + " ×" + strconv.FormatInt(b.Count, 10)
			if b.ClosedBy != "" {
				s += " [" + b.ClosedBy + "]"
			}
			if b.Why != "" {
				s += " (" + b.Why + ")"
			}
			out = append(out, s)
		}
	}
	return out
}

// TestObservedBlocked: a change that blocks observed traffic fails, with
// the connection, its count and the rule that isolates it; the ghost pod
// is counted as not evaluated, not dropped; traffic still allowed or
// already blocked is not the change's doing.
func TestObservedBlocked(t *testing.T) {
	r := newShop(t)
	r.Commit("base")
	r.Write("intents/tiers.cue", noDBTier)
	rebuild(t, r)
	r.Git("add", "-A")
	in := &gate.ObservedInput{Files: []gate.FlowFile{csvFile("prod.csv", observedCSV)}}
	rep := observedRun(t, r, in, gate.ConfigCheck{})
	if !rep.Failed() || !rep.Observed.Failed() {
		t.Fatalf("blocking observed traffic must fail:\n%s", text(t, rep, 0))
	}
	c := rep.Observed.Change
	if got := blockedConns(rep); !slices.Equal(got, []string{"shop/app → shop/db TCP/5432 ×7"}) {
		t.Errorf("newly blocked: %q", got)
	}
	if c.Flows != 12 || c.Allowed != 3 || c.Blocked != 7 || c.Unresolved != 2 {
		t.Errorf("counts: %+v", c)
	}
	out := text(t, rep, 0)
	for _, want := range []string{
		"✗ observed: this change blocks 1 observed connection(s) in 1 pair(s) (7 of 12 flow(s)): none is named by a closes entry",
		"shop/app → shop/db: 7 flow(s) newly blocked",
		"isolated by Intent shop/all-pods",
		"2 flow(s): base and head: source: namespace shop, workload ghost matches no workload of the inventory (first at prod.csv:4:1)",
		"--allow-closing",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	in.AllowClosing = true
	if rep := observedRun(t, r, in, gate.ConfigCheck{}); rep.Failed() || !strings.Contains(rep.Summary(), "1 accepted by --allow-closing") {
		t.Errorf("--allow-closing must pass and say so: %s", rep.Summary())
	}
}

// TestObservedCloses: closes entries accept what they name and are listed;
// one naming nothing the change blocks is stale; a connection they do
// not name still fails.
func TestObservedCloses(t *testing.T) {
	r := newShop(t)
	r.Commit("base")
	r.Write("intents/tiers.cue", noDBTier)
	r.Write("intents/closes.cue", `package shop

closes: "the app moves to the new store": {from: "shop/app", to: "shop/db", port: "TCP/5432"}
closes: "no longer scraped": {from: "shop/web", to: "shop/db"}
`)
	rebuild(t, r)
	r.Git("add", "-A")
	in := &gate.ObservedInput{Files: []gate.FlowFile{csvFile("prod.csv", observedCSV)}}
	rep := observedRun(t, r, in, gate.ConfigCheck{})
	if rep.Failed() {
		t.Fatalf("connections named by closes must pass:\n%s", text(t, rep, 0))
	}
	if got := blockedConns(rep); !slices.Equal(got, []string{"shop/app → shop/db TCP/5432 ×7 [the app moves to the new store]"}) {
		t.Errorf("newly blocked: %q", got)
	}
	stale := rep.Observed.Stale()
	if len(stale) != 1 || stale[0].Name != "no longer scraped" || stale[0].Pos().String() != "intents/closes.cue:4:9" {
		t.Errorf("stale: %+v", stale)
	}
	sum := rep.Summary()
	for _, want := range []string{`intended: closes "the app moves to the new store": 1 connection(s)`, "stale closes entries: 1"} {
		if !strings.Contains(sum, want) {
			t.Errorf("summary lacks %q: %s", want, sum)
		}
	}
	// Once committed, a change that does not touch the intents blocks
	// nothing, and its closes entries are not stale for it.
	r.Commit("closes")
	r.Write("README", "unrelated\n")
	r.Git("add", "README")
	if rep := observedRun(t, r, in, gate.ConfigCheck{}); rep.Failed() || len(rep.Observed.Stale()) != 0 || rep.Observed.Change.Blocked != 0 {
		t.Errorf("an unrelated commit: stale %v, blocked %d", rep.Observed.Stale(), rep.Observed.Change.Blocked)
	}
	// A port the entry does not name is not covered.
	r.Git("reset", "-q", "--soft", "HEAD~1")
	r.Write("intents/closes.cue", `package shop

closes: "the app moves to the new store": {from: "shop/app", to: "shop/db", port: "TCP/5433"}
`)
	r.Git("add", "-A")
	if rep := observedRun(t, r, in, gate.ConfigCheck{}); !rep.Failed() || len(rep.Observed.Stale()) != 1 {
		t.Errorf("a closes entry on another port must not cover the connection:\n%s", text(t, rep, 0))
	}
}

// TestObservedUnion: flows the repository holds are read from the base
// and the head, so a change that deletes or empties the file still gates;
// a workload the change removes cannot hide the traffic it made.
func TestObservedUnion(t *testing.T) {
	r := newShop(t)
	r.Write("observed/prod.csv", observedCSV)
	r.Git("add", "-A")
	r.Commit("base")
	in := &gate.ObservedInput{BasePaths: []string{"observed"}, HeadPaths: []string{"observed"}}
	for name, change := range map[string]func(){
		"deleted": func() { r.Remove("observed/prod.csv") },
		"emptied": func() { r.Write("observed/prod.csv", "src,dst,port/proto\n") },
	} {
		r.Git("reset", "-q", "--hard")
		r.Write("intents/tiers.cue", noDBTier)
		change()
		rebuild(t, r)
		r.Git("add", "-A")
		rep := observedRun(t, r, in, gate.ConfigCheck{})
		if !rep.Failed() || !slices.Equal(blockedConns(rep), []string{"shop/app → shop/db TCP/5432 ×7"}) {
			t.Errorf("%s: the base's flows must still gate: %q\n%s", name, blockedConns(rep), text(t, rep, 0))
		}
		if !slices.ContainsFunc(rep.Observed.Sources, func(s string) bool { return strings.HasPrefix(s, "observed/prod.csv (at HEAD") }) {
			t.Errorf("%s: sources %q", name, rep.Observed.Sources)
		}
	}
	// The head no longer declares the app: its traffic is newly blocked,
	// with the reason, instead of becoming "unresolved".
	r.Git("reset", "-q", "--hard")
	r.Write("intents/ns.cue", strings.Replace(nsCue, "\tapp: ports: http: 8080\n", "", 1))
	r.Write("intents/tiers.cue", strings.Replace(noDBTier, `, {workload: "app", ports: ["http"]}`, "", 1))
	rebuild(t, r)
	r.Git("add", "-A")
	rep := observedRun(t, r, in, gate.ConfigCheck{})
	got := blockedConns(rep)
	if !rep.Failed() || len(got) != 2 || !strings.Contains(got[0], "the head has no endpoint for it") {
		t.Errorf("a removed workload's traffic must gate: %q", got)
	}
	// Not naming the file any more is a change to the gate's configuration.
	cfg := gate.ConfigCheck{Base: gate.Settings{Present: true, Flows: []string{"observed"}}, Head: gate.Settings{Present: true}}
	rep = observedRun(t, r, &gate.ObservedInput{BasePaths: []string{"observed"}, AllowClosing: true}, cfg)
	if !rep.Failed() || !slices.ContainsFunc(rep.ConfigChanges, func(s string) bool { return strings.HasPrefix(s, "flows observed is no longer named") }) {
		t.Errorf("dropping flows from netpolc.yaml must be a config change: %q", rep.ConfigChanges)
	}
	repo := openRepo(t, r)
	head, _ := repo.Index()
	base, _ := repo.Revision("HEAD")
	missing := &gate.ObservedInput{HeadPaths: []string{"nothing/here.csv"}}
	if _, err := gate.Run(gate.Options{Head: head, Base: base, Intents: "intents", Observed: missing}); err == nil || !strings.Contains(err.Error(), "nothing/here.csv") {
		t.Errorf("a flows path neither side holds must be an error: %v", err)
	}
	// What the repository's flows may weigh is bounded.
	t.Setenv("NETPOLC_LIMITS", "flow-repo-bytes=64")
	if _, err := gate.Run(gate.Options{Head: head, Base: base, Intents: "intents", Observed: in}); !errors.Is(err, gate.ErrTooLarge) || !strings.Contains(err.Error(), "flow-repo-bytes") {
		t.Errorf("flows over flow-repo-bytes must be refused: %v", err)
	}
}

// TestObservedOnboarded: a workload the base does not declare yet, which
// the change declares (and so isolates), made observed traffic: the base
// cannot evaluate it, the head denies it, so it is newly blocked (fail
// closed) with that reason.
func TestObservedOnboarded(t *testing.T) {
	r := newShop(t)
	r.Commit("base")
	r.Write("intents/ns.cue", strings.Replace(nsCue, "\tdb: ports: postgres: 5432\n", "\tdb: ports: postgres: 5432\n\tcron: {}\n", 1))
	rebuild(t, r)
	r.Git("add", "-A")
	in := &gate.ObservedInput{Files: []gate.FlowFile{csvFile("prod.csv", "shop/cron,shop/db,TCP/5432,5\nshop/web,shop/app,TCP/8080,3\n")}}
	rep := observedRun(t, r, in, gate.ConfigCheck{})
	got := blockedConns(rep)
	if !rep.Failed() || len(got) != 1 || !strings.HasPrefix(got[0], "shop/cron → shop/db TCP/5432 ×5 (the base has no endpoint for it (source: namespace shop, workload cron matches no workload") {
		t.Errorf("an onboarded workload's traffic must gate: %q", got)
	}
	if c := rep.Observed.Change; c.Allowed != 3 || c.Unresolved != 0 {
		t.Errorf("counts: %+v", c)
	}
}
