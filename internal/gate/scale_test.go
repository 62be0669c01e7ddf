package gate_test

import (
	"bytes"
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/internal/cli"
	"github.com/netpolc/netpolc/internal/gate"
	"github.com/netpolc/netpolc/internal/render/gatereport"
	"github.com/netpolc/netpolc/internal/testkit/gittest"
	"github.com/netpolc/netpolc/internal/testkit/synth"
)

// TestLargeDiff: thousands of flows (a generated cluster's first commit)
// render readably: folded rows, a capped text and Markdown report with
// "… and N more", and every flow in JSON.
func TestLargeDiff(t *testing.T) {
	r := gittest.New(t)
	r.WriteBytes("intents/synth.cue", synth.Intents(40, 25))
	r.Git("add", "-A")
	d := diffOf(t, r, "HEAD", "index", gate.Spec{Intents: "intents"})
	if d.Opened < 2000 || d.Opened != len(d.Flows) {
		t.Fatalf("want thousands of opened flows, got %d", d.Opened)
	}
	for _, format := range []gatereport.Format{gatereport.Text, gatereport.Markdown} {
		var b bytes.Buffer
		if err := gatereport.WriteDiff(&b, d, gatereport.RenderOptions{Format: format, Limit: gatereport.DefaultLimit}); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		if lines := strings.Count(out, "\n"); lines > 3*gatereport.DefaultLimit {
			t.Errorf("%s: %d lines for %d flows; want a readable summary:\n%s", format, lines, d.Opened, out)
		}
		for _, re := range []string{`\d+ opened\W+0 changed\W+0 closed\*{0,2} flow\(s\) in 42 namespace\(s\)`, `… and \d+ more flow\(s\) in ns00\d\d`, `… and \d+ more namespace\(s\) with \d+ flow\(s\)`, `\{w00, w01, w02, \+\d+ more\}`} {
			mustMatch(t, string(format), re, out)
		}
	}
	var all bytes.Buffer
	if err := gatereport.WriteDiff(&all, d, gatereport.RenderOptions{Format: gatereport.Text}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(all.String(), "… and") {
		t.Error("limit 0 must print every row")
	}
	var js bytes.Buffer
	if err := gatereport.WriteDiff(&js, d, gatereport.RenderOptions{Format: gatereport.JSON, Limit: gatereport.DefaultLimit}); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Flows []json.RawMessage `json:"flows"`
	}
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil || len(doc.Flows) != d.Opened {
		t.Errorf("json lists %d flows (%v), want all %d", len(doc.Flows), err, d.Opened)
	}
}

// TestHookBlocksCommit: the installed pre-commit hook runs verify on what
// is staged: a hand-edited generated file stops the commit; an unstaged
// edit does not.
func TestHookBlocksCommit(t *testing.T) {
	r := newShop(t)
	r.Write("netpolc.yaml", "intents: intents\noutput: deploy/netpol\n")
	r.Commit("shop")
	r.Chdir()
	var stdout, stderr bytes.Buffer
	if code := cli.Main([]string{"hook", "install"}, &stdout, &stderr); code != 0 {
		t.Fatalf("hook install: exit %d: %s", code, stderr.String())
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	commit := func(msg string) (string, error) {
		cmd := gittest.Cmd(r.Dir, append(r.Env(), "NETPOLC="+exe, "NETPOLC_TEST_AS_CLI=1"), "commit", "-q", "-m", msg)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	edited := outDir + "/networkpolicy/shop/shop-ingress-db.yaml"
	r.Write(edited, r.Read(edited)+"# hand edit\n")
	r.Git("add", edited)
	out, err := commit("hand edit")
	if err == nil {
		t.Fatalf("the hook let a drifted commit through:\n%s", out)
	}
	mustMatch(t, "hook output", `netpolc verify: FAILED(?s).*changed  `+regexp.QuoteMeta(edited), out)
	r.Git("reset", "-q", "--hard", "HEAD")
	r.Write("intents/world.cue", worldToDB) // unstaged: not checked
	r.Write("NOTES.md", "notes\n")
	r.Git("add", "NOTES.md")
	if out, err := commit("notes"); err != nil {
		t.Fatalf("the hook must check only what is staged: %v\n%s", err, out)
	}
}
