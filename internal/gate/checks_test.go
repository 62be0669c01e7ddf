package gate_test

import (
	"bytes"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/gate"
	"github.com/netpolc/netpolc/internal/render/gatereport"
)

// TestDrift: a hand edit of generated YAML, a deleted generated file and a
// stale file netpolc wrote earlier are drift; a foreign file is not.
func TestDrift(t *testing.T) {
	r := newShop(t)
	r.Commit("shop")
	edited := outDir + "/networkpolicy/shop/shop-ingress-db.yaml"
	r.Write(edited, r.Read(edited)+"# reviewed by hand\n")
	deleted := outDir + "/networkpolicy/shop/shop-ingress-app.yaml"
	r.Remove(deleted)
	r.Write(outDir+"/README.md", "hand-written, not netpolc's\n")
	r.Git("add", "-A")
	rep := run(t, r, "HEAD", false)
	if !slices.Equal(rep.Drift.Changed, []string{edited}) || !slices.Equal(rep.Drift.Missing, []string{deleted}) || len(rep.Drift.Extra) != 0 {
		t.Fatalf("drift: %+v", rep.Drift)
	}
	mustMatch(t, "report", `(?s)changed  `+regexp.QuoteMeta(edited)+`\n    missing  `+regexp.QuoteMeta(deleted)+`\n  fix: run `, text(t, rep, 0))
	// Dropping the tiers leaves their generated files behind: netpolc
	// wrote them (they are in the record), so they are extra.
	r.Git("checkout", "-q", "HEAD", "--", outDir)
	r.Git("rm", "-q", "intents/tiers.cue")
	rep = run(t, r, "HEAD", false)
	if len(rep.Drift.Extra) == 0 || len(rep.Drift.Missing) != 0 || !slices.Equal(rep.Drift.Changed[:1], []string{outDir + "/.netpolc-files"}) {
		t.Errorf("stale files: %+v", rep.Drift)
	}
}

// TestGuardrailBreak: a staged change exposing the database breaks both
// guardrails; the report points at them and at the opening intent.
func TestGuardrailBreak(t *testing.T) {
	r := newShop(t)
	r.Commit("shop")
	r.Write("intents/world.cue", worldToDB)
	rebuild(t, r)
	r.Git("add", "-A")
	rep := run(t, r, "HEAD", false)
	if !rep.Failed() || rep.Drift.Drifted() {
		t.Fatalf("want a failure without drift:\n%s", text(t, rep, 0))
	}
	report := text(t, rep, 0)
	mustMatch(t, "report", `✗ checks: 2 broken guardrail\(s\) or failing expectation\(s\):\n`+
		`intents/checks\.cue:3:\d+: guardrails\."db-private": guardrail broken: nothing outside the cluster may reach shop/db \(the database is never exposed\); \d flow\(s\) allowed:\n`+
		` +ip:0\.0\.0\.0-255\.255\.255\.255 → shop/db TCP/5432  ← intents/world\.cue:3:\d+`, report)
	mustMatch(t, "report", `intents/checks\.cue:7:\d+: guardrails\."db-from-app": guardrail broken: shop/db may be reached only from shop/app`, report)
}

// TestAssertionFailure: a change that makes an expect assertion false
// fails verify, at the assertion.
func TestAssertionFailure(t *testing.T) {
	r := newShop(t)
	r.Commit("shop")
	r.Write("intents/open.cue", webToDB)
	rebuild(t, r)
	r.Git("add", "-A")
	rep := run(t, r, "HEAD", false)
	errs, _ := rep.Findings.Errors().(diag.List)
	if len(errs) != 2 {
		t.Fatalf("want the guardrail and the expectation:\n%s", text(t, rep, 0))
	}
	mustMatch(t, "expectation", `^intents/checks\.cue:8:\d+: expect\."web cannot reach db": expected shop/web → shop/db on TCP/5432 to be denied, but it is allowed`, errs[1].Error())
}

// TestDenyOpened: opening anything fails under --deny-opened only; closing
// never does.
func TestDenyOpened(t *testing.T) {
	r := newShop(t)
	r.Write("intents/tiers.cue", strings.Replace(tiersCue, `ports: ["postgres"]`, `ports: ["postgres", "TCP/6432"]`, 1))
	rebuild(t, r)
	r.Commit("shop")
	r.Write("intents/tiers.cue", tiersCue) // narrows app → db
	rebuild(t, r)
	r.Git("add", "-A")
	if rep := run(t, r, "HEAD", true); rep.Failed() {
		t.Errorf("narrowing must pass --deny-opened:\n%s", text(t, rep, 0))
	}
	r.Git("reset", "-q", "--hard", "HEAD")
	wider := strings.Replace(tiersCue, `ports: ["postgres"]`, `ports: ["postgres", "TCP/6432"]`, 1)
	r.Write("intents/tiers.cue", strings.Replace(wider, `ports: ["http"]}, {workload: "db"`, `ports: ["http", "TCP/9000"]}, {workload: "db"`, 1))
	rebuild(t, r)
	r.Git("add", "-A")
	if rep := run(t, r, "HEAD", false); rep.Failed() {
		t.Fatalf("without --deny-opened:\n%s", text(t, rep, 0))
	}
	rep := run(t, r, "HEAD", true)
	if !rep.Failed() {
		t.Fatal("--deny-opened must fail when a flow opens")
	}
	mustMatch(t, "report", `✗ opened: the change opens connectivity and --deny-opened is set:\n.*1 changed.*\n\nshop  ~1\n  ~ shop/web → shop/app  TCP/8080 ⇒ TCP/8080,TCP/9000  ← intents/tiers\.cue:5:6 \(templates\.#Tiers\)\n`, text(t, rep, 0))
}

// TestManifestsDiff: plain manifests (here the generated output) diff
// between revisions too, and name the intents recorded in them.
func TestManifestsDiff(t *testing.T) {
	r := newShop(t)
	r.Write("cluster/workloads.yaml", workloadsYAML)
	r.Commit("shop")
	r.Write("intents/open.cue", webToDB)
	rebuild(t, r)
	r.Commit("open")
	d := diffOf(t, r, "HEAD~1", "HEAD", gate.Spec{Manifests: []string{outDir, "cluster"}})
	var opened []gate.Flow
	for _, f := range d.Flows {
		if f.Change == gate.Opened {
			opened = append(opened, f)
		}
	}
	if len(opened) != 1 || opened[0].Src != "shop/web" || opened[0].Dst != "shop/db" {
		t.Fatalf("manifest diff: %v", flows(d))
	}
	// The YAML records origins as file and CUE path (stable under edits).
	if o := strings.Join(opened[0].Origins, " "); !strings.Contains(o, `intents/open.cue policies."db-in".ingress`) || !strings.Contains(o, `intents/open.cue policies."web-out".egress`) {
		t.Errorf("origins of the opened flow should be the intents recorded in the YAML: %v", opened[0].Origins)
	}
}

// workloadsYAML are the shop's workloads as a cluster has them.
const workloadsYAML = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: x, ports: [{name: http, containerPort: 8080}]}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: app, namespace: shop}
spec:
  selector: {matchLabels: {app: app}}
  template:
    metadata: {labels: {app: app}}
    spec: {containers: [{name: c, image: x, ports: [{name: http, containerPort: 8080}]}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: c, image: x, ports: [{name: postgres, containerPort: 5432}]}]}
`

// TestReportFormats: md and json render the same report.
func TestReportFormats(t *testing.T) {
	r := newShop(t)
	r.Commit("shop")
	r.Write("intents/world.cue", worldToDB)
	r.Git("add", "-A") // not rebuilt: drift too
	rep := run(t, r, "HEAD", false)
	var md bytes.Buffer
	if err := gatereport.WriteReport(&md, rep, gatereport.RenderOptions{Format: gatereport.Markdown, Limit: gatereport.DefaultLimit}); err != nil {
		t.Fatal(err)
	}
	for _, re := range []string{`^### netpolc verify: failed\n`, `#### Drift\n`, `#### Broken guardrails and failing expectations\n\n` + "```\n" + `intents/checks\.cue:3:`,
		`#### Connectivity\n`, "\\| \\+ \\| `world` \\| `shop/db` \\| `TCP/5432` \\| intents/world\\.cue:3:\\d+ \\|"} {
		mustMatch(t, "markdown", re, md.String())
	}
	var js bytes.Buffer
	if err := gatereport.WriteReport(&js, rep, gatereport.RenderOptions{Format: gatereport.JSON}); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		OK    bool `json:"ok"`
		Drift struct {
			Changed []string `json:"changed"`
		} `json:"drift"`
		Findings []struct {
			Severity, Pos string
		} `json:"findings"`
		Diff struct {
			Summary struct{ Opened int } `json:"summary"`
			Flows   []struct {
				Change, Src, Dst string
				After            struct {
					All   bool     `json:"all"`
					Ports []string `json:"ports"`
				} `json:"after"`
				Origins []string `json:"origins"`
			} `json:"flows"`
		} `json:"diff"`
	}
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil {
		t.Fatalf("%v:\n%s", err, js.String())
	}
	if doc.OK || len(doc.Drift.Changed) == 0 || len(doc.Findings) < 2 || doc.Diff.Summary.Opened != len(doc.Diff.Flows) {
		t.Errorf("json report: %s", js.String())
	}
	found := false
	for _, f := range doc.Diff.Flows {
		if f.Src == "ip:0.0.0.0-255.255.255.255" && f.Dst == "shop/db" {
			found = slices.Equal(f.After.Ports, []string{"TCP/5432"}) && !f.After.All && len(f.Origins) == 1 && strings.HasPrefix(f.Origins[0], "intents/world.cue:3:")
		}
	}
	if !found {
		t.Errorf("json report lacks the opened flow with its origin: %s", js.String())
	}
}
