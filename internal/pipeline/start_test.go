package pipeline

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/enforcer/proof"
	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/output"
	"github.com/netpolc/netpolc/internal/target"
)

// TestStartedBuildOfAWrongReadingNeverReachesTheOutput: Start lays the
// files out before the proof ends; staged through output.Options.Ready,
// a build whose proof fails leaves the output directory as it was and
// fails with the proof's error.
func TestStartedBuildOfAWrongReadingNeverReachesTheOutput(t *testing.T) {
	res := shop(t)
	good, err := Generate(res, Options{Targets: []target.Target{target.MustParse("networkpolicy")[0]}})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "out")
	if _, err := output.Write(dir, good.Files[:1]); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, dir)

	pend, err := Start(res, Options{Targets: []target.Target{buggyTarget{}}})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	if len(pend.Files()) != len(good.Files) {
		t.Fatalf("Start laid out %d files, Generate %d", len(pend.Files()), len(good.Files))
	}
	_, werr := output.WriteWith(dir, pend.Files(), output.Options{Ready: func() error { _, err := pend.Wait(); return err }})
	if !errors.Is(werr, proof.ErrNotEquivalent) {
		t.Fatalf("write of an unproven build: %v, want ErrNotEquivalent", werr)
	}
	if out, err := pend.Wait(); out != nil || !errors.Is(err, proof.ErrNotEquivalent) {
		t.Fatalf("Wait again = %v, %v", out, err)
	}
	if after := snapshot(t, dir); after != before {
		t.Errorf("the output changed:\n%s\nwas\n%s", after, before)
	}
}

// brokenEmitter is a target whose emission fails.
type brokenEmitter struct{ buggyTarget }

func (brokenEmitter) Name() string { return "broken" }

func (brokenEmitter) Emit(kit.Input) (*kit.Output, error) {
	return nil, diag.Errorf("", "broken emitter")
}

// TestStartReportsEveryTarget: an emission error waits for the other
// targets' proofs; all their errors come together.
func TestStartReportsEveryTarget(t *testing.T) {
	res := shop(t)
	pend, err := Start(res, Options{Targets: []target.Target{buggyTarget{}, brokenEmitter{}}})
	if err == nil || pend != nil {
		t.Fatalf("Start with a failing emitter: %v, %v", pend, err)
	}
	msg := err.Error()
	if !strings.Contains(msg, "not equivalent") || !strings.Contains(msg, "broken emitter") {
		t.Errorf("want the first target's proof error and the second's emission error:\n%s", msg)
	}
	out, err := Generate(res, Options{Targets: append(target.MustParse("networkpolicy"), brokenEmitter{})})
	if out != nil || err == nil || strings.Contains(err.Error(), "not equivalent") {
		t.Errorf("a proven target beside a failing emitter: %v, %v; want the emission error alone", out, err)
	}
}

// snapshot is every file under dir and its content.
func snapshot(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		b.WriteString(p + "\n" + string(data))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}
