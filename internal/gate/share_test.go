package gate_test

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/gate"
	"github.com/netpolc/netpolc/internal/pipeline"
	"github.com/netpolc/netpolc/internal/testkit/gittest"
	"github.com/netpolc/netpolc/internal/testkit/synth"
)

// largeRepo commits a package large enough to be evaluated in parts, with
// its output, and stages edit of it (rebuilt when build is set).
func largeRepo(t *testing.T, edit func([]byte) []byte, build bool) *gittest.Repo {
	t.Helper()
	r := gittest.New(t)
	src := synth.Intents(50, 25)
	r.WriteBytes("intents/synth.cue", src)
	rebuild(t, r)
	r.Git("add", "-A")
	r.Commit("generated cluster")
	r.WriteBytes("intents/synth.cue", edit(src))
	if build {
		rebuild(t, r)
	}
	r.Git("add", "-A")
	return r
}

// runBoth verifies the staged index against HEAD sharing nothing between
// the sides, then sharing, and requires the same outcome; it returns it
// and what the sharing run counted.
func runBoth(t *testing.T, r *gittest.Repo) (outcome string, evaluated, compiled, reused int) {
	t.Helper()
	render := func(rep *gate.Report, err error) string {
		if err != nil {
			return "error: " + diag.Collect(err).Error()
		}
		return rep.Summary() + "\n" + rep.Findings.Error() + "\n" + strings.Join(flowStrings(rep.Diff), "\n")
	}
	restore := gate.ShareForTest(nil)
	alone := render(tryRun(t, r, "HEAD", false))
	restore()
	var share *pipeline.Share
	defer gate.ShareForTest(func() *pipeline.Share { share = pipeline.NewShare(); return share })()
	shared := render(tryRun(t, r, "HEAD", false))
	if shared != alone {
		t.Errorf("sharing the sides' parts:\n%s\nsharing nothing:\n%s", shared, alone)
	}
	if share != nil {
		evaluated, compiled, reused = share.Counts()
	}
	return shared, evaluated, compiled, reused
}

func flowStrings(d *gate.Diff) []string {
	if d == nil {
		return nil
	}
	var out []string
	for _, f := range d.Flows {
		out = append(out, fmt.Sprintf("%s %s→%s %s⇒%s %v", f.Change, f.Src, f.Dst, f.Before, f.After, f.Origins))
	}
	return out
}

// TestVerifySharesParts: verify of a change to one part of a large
// package evaluates and compiles the parts the change leaves alone once,
// for both sides, and reports exactly what it reports sharing nothing.
func TestVerifySharesParts(t *testing.T) {
	r := largeRepo(t, func(b []byte) []byte {
		return append(bytes.Clone(b), `policies: "late-in": {namespace: "ns0049", workload: "w00", ingress: [{from: [{workload: "ns0000/w24"}], ports: ["TCP/7000"]}]}
policies: "late-out": {namespace: "ns0000", workload: "w24", egress: [{to: [{workload: "ns0049/w00"}], ports: ["TCP/7000"]}]}
`...)
	}, true)
	out, evaluated, compiled, reused := runBoth(t, r)
	mustMatch(t, "verify", `vs HEAD \([0-9a-f]+\): 1 opened`, out)
	// Each side has the same number of parts (two phases each); the
	// change alters the last: the head's parts and that one of the base
	// are evaluated and compiled, the base's others reused.
	parts := (compiled + reused) / 4
	if parts < 3 || evaluated != parts+1 || compiled != 2*parts+2 || reused != 2*parts-2 {
		t.Errorf("%d parts evaluated, %d phases compiled, %d reused: want the unchanged parts evaluated and compiled once", evaluated, compiled, reused)
	}
}

// TestVerifySharedErrors: an error in either side is reported as sharing
// nothing reports it: at its file:line:col, and naming the base when it
// is the base's.
func TestVerifySharedErrors(t *testing.T) {
	broken := func(b []byte) []byte {
		old := `policies: "ns0025-from-prev": {namespace: "ns0025", workload: "w00"`
		if !bytes.Contains(b, []byte(old)) {
			t.Fatal("the generated intents changed")
		}
		return bytes.Replace(b, []byte(old), []byte(strings.Replace(old, `"w00"`, `"nope"`, 1)), 1)
	}
	t.Run("head", func(t *testing.T) {
		out, _, _, _ := runBoth(t, largeRepo(t, broken, false))
		mustMatch(t, "verify", `^error: intents/synth.cue:\d+:\d+: .*workload "nope" is not declared in namespace "ns0025"`, out)
	})
	t.Run("base", func(t *testing.T) {
		r := gittest.New(t)
		src := synth.Intents(50, 25)
		r.WriteBytes("intents/synth.cue", broken(src))
		r.Git("add", "-A")
		r.Commit("broken")
		r.WriteBytes("intents/synth.cue", src)
		rebuild(t, r)
		r.Git("add", "-A")
		_, err := tryRun(t, r, "HEAD", false)
		if err == nil || !regexp.MustCompile(`^base HEAD .*: intents/synth.cue:\d+:\d+: .*workload "nope" is not declared`).MatchString(err.Error()) {
			t.Fatalf("want the base's error, got %v", err)
		}
		runBoth(t, r)
	})
}
