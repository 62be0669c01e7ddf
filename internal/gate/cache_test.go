package gate_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/internal/gate"
	"github.com/netpolc/netpolc/internal/pipeline"
	"github.com/netpolc/netpolc/internal/target"
	"github.com/netpolc/netpolc/internal/testkit/gittest"
)

// cachedShop is the shop, committed, with netpolc.yaml and an inventory
// folder the cache counts as inputs.
func cachedShop(t *testing.T) (*gittest.Repo, *gate.Cache) {
	t.Helper()
	r := newShop(t)
	r.Write("netpolc.yaml", "intents: intents\n")
	r.Write("inventory/pods.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n")
	r.Commit("shop")
	c := &gate.Cache{File: filepath.Join(r.Dir, ".git", "netpolc", "verify-cache"), Build: "build 1", Context: "flags",
		Inputs: []string{"netpolc.yaml", "inventory"}}
	return r, c
}

// runCached verifies the staged index against HEAD with the cache.
func runCached(t *testing.T, r *gittest.Repo, c *gate.Cache) *gate.Report {
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
	rep, err := gate.Run(gate.Options{Head: head, Base: base, Intents: "intents", Output: outDir, Cache: c,
		Build: pipeline.Options{Targets: target.MustParse("networkpolicy")}})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// wantRun runs verify and checks whether it reused a recorded state.
func wantRun(t *testing.T, r *gittest.Repo, c *gate.Cache, reused, failed bool) *gate.Report {
	t.Helper()
	rep := runCached(t, r, c)
	if rep.Reused != reused || rep.Failed() != failed {
		t.Fatalf("reused %t (want %t), failed %t (want %t):\n%s", rep.Reused, reused, rep.Failed(), failed, text(t, rep, 0))
	}
	return rep
}

// TestCacheHit: a verified state whose base holds the same inputs is
// reported without compiling, with the same counts and an empty diff.
func TestCacheHit(t *testing.T) {
	r, c := cachedShop(t)
	full := wantRun(t, r, c, false, false)
	again := wantRun(t, r, c, true, false)
	if again.Drift.Files != full.Drift.Files || again.Guardrails != 2 || again.Expectations != 1 || again.Diff == nil || !again.Diff.Empty() {
		t.Errorf("reused report: %+v, drift %+v", again, again.Drift)
	}
	mustMatch(t, "summary", `^netpolc verify: ok — the staged index: unchanged since a full verify: deploy/netpol matches a fresh build of intents \(\d+ files\); 2 guardrail\(s\) and 1 expectation\(s\) hold; vs HEAD \([0-9a-f]{7}\): no connectivity change\n$`, text(t, again, 0))
	// A commit touching none of the inputs still hits.
	r.Write("README.md", "docs\n")
	r.Commit("docs")
	wantRun(t, r, c, true, false)
	// A staged change to the intents never does, even once recorded.
	r.Write("intents/extra.cue", webToDB)
	rebuild(t, r)
	r.Git("add", "-A")
	wantRun(t, r, c, false, true)
}

// TestCacheMisses: a change to any input, committed so that the base and
// the head agree, is a state never verified: a full run, which finds
// what the change broke.
func TestCacheMisses(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(r *gittest.Repo)
		failed bool
	}{
		{"an intents file", func(r *gittest.Repo) { r.Write("intents/extra.cue", webToDB) }, true},
		{"an intents file, rebuilt", func(r *gittest.Repo) { r.Write("intents/extra.cue", "package shop\n"); rebuild(t, r) }, false},
		{"netpolc.yaml", func(r *gittest.Repo) { r.Write("netpolc.yaml", "intents: intents # moved\n") }, false},
		{"the inventory", func(r *gittest.Repo) { r.Write("inventory/more.yaml", "kind: List\n") }, false},
		{"an output file", func(r *gittest.Repo) { r.Write(outDir+"/networkpolicy/shop/extra.yaml", "kind: NetworkPolicy\n") }, false},
		{"a generated file", func(r *gittest.Repo) {
			p := outDir + "/networkpolicy/kustomization.yaml"
			r.Write(p, r.Read(p)+"# edited\n")
		}, true},
		{"the record", func(r *gittest.Repo) { r.Remove(outDir + "/.netpolc-files") }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, c := cachedShop(t)
			wantRun(t, r, c, false, false)
			tc.change(r)
			r.Commit(tc.name)
			wantRun(t, r, c, false, tc.failed)
		})
	}
}

// TestCacheDistrust: a cache that is not exactly what netpolc wrote, or
// one written by another build or with other flags, is never used.
func TestCacheDistrust(t *testing.T) {
	r, c := cachedShop(t)
	wantRun(t, r, c, false, false)
	data, err := os.ReadFile(c.File)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("cache file:\n%s", data)
	}
	f := strings.Fields(lines[1])
	for name, content := range map[string]string{
		"a flipped key byte": lines[0] + "\n" + strings.Replace(lines[1], f[0][:1], string("0123456789abcdef"[(strings.IndexByte("0123456789abcdef", f[0][0])+1)%16]), 1) + "\n",
		"other counts":       lines[0] + "\n" + strings.Replace(lines[1], " "+f[1]+" ", " 1"+f[1]+" ", 1) + "\n",
		"no check sum":       lines[0] + "\n" + strings.Join(f[:4], " ") + "\n",
		"another header":     "netpolc verify-cache 0\n" + lines[1] + "\n",
		"a truncated file":   string(data[:len(data)-1]),
		"garbage":            "\x00\x01",
	} {
		t.Run(name, func(t *testing.T) {
			if err := os.WriteFile(c.File, []byte(content), 0o666); err != nil {
				t.Fatal(err)
			}
			wantRun(t, r, c, false, false)
			wantRun(t, r, c, true, false) // rewritten whole by the full run
		})
	}
	t.Run("another build", func(t *testing.T) {
		other := *c
		other.Build = "build 2"
		wantRun(t, r, &other, false, false)
	})
	t.Run("other flags", func(t *testing.T) {
		other := *c
		other.Context = "flags --deny-opened"
		wantRun(t, r, &other, false, false)
	})
	t.Run("unreadable", func(t *testing.T) {
		if err := os.Remove(c.File); err != nil {
			t.Fatal(err)
		}
		if err := os.Mkdir(c.File, 0o777); err != nil {
			t.Fatal(err)
		}
		wantRun(t, r, c, false, false)
		wantRun(t, r, c, false, false) // cannot be written either: still full
	})
}

// TestCacheFailedNotRecorded: a run that fails records nothing, so the
// same state fails again in full.
func TestCacheFailedNotRecorded(t *testing.T) {
	r, c := cachedShop(t)
	r.Write("intents/extra.cue", worldToDB)
	rebuild(t, r)
	r.Commit("world")
	wantRun(t, r, c, false, true)
	wantRun(t, r, c, false, true)
	if _, err := os.Stat(c.File); err == nil {
		t.Error("a failed run wrote the cache")
	}
}
