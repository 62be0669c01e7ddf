//go:build unix

package cli

import (
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/netpolc/netpolc/internal/testkit/gittest"
)

// variant is an intents file over the given namespaces: each holds web and
// db, a default deny and db reachable from web, so two variants share,
// change, add and drop generated files.
func variant(nss ...string) string {
	var b strings.Builder
	b.WriteString("package shop\n\nimport \"netpolc.dev/templates\"\n\n")
	for i, ns := range nss {
		fmt.Fprintf(&b, "namespaces: %q: workloads: {web: ports: http: %d, db: ports: postgres: 5432}\n", ns, 8080+i)
		fmt.Fprintf(&b, "use: \"deny-%s\": templates.#DefaultDeny & {namespace: %q}\n", ns, ns)
		fmt.Fprintf(&b, "policies: \"db-in-%s\": {namespace: %q, workload: \"db\", ingress: [{from: [{workload: \"web\"}], ports: [\"postgres\"]}]}\n", ns, ns)
		fmt.Fprintf(&b, "policies: \"web-in-%s\": {namespace: %q, workload: \"web\", ingress: [{from: [{world: true}], ports: [\"http\"]}]}\n", ns, ns)
	}
	return b.String()
}

var (
	variantA = variant("shop", "a1", "a2", "both1", "both2", "both3")
	variantB = variant("shop", "both1", "both2", "both3", "b1", "b2", "b3")
)

// netpolcBin is the netpolc command testscript put on PATH (this test
// binary under the name netpolc), to run as a real process.
func netpolcBin(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("netpolc")
	if err != nil {
		t.Fatalf("netpolc not on PATH: %v", err)
	}
	return bin
}

// treeOf reads every file and folder under dir: path → content, folders
// as "path/".
func treeOf(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel := filepath.ToSlash(p[len(dir)+1:])
		if d.IsDir() {
			out[rel+"/"] = ""
			return nil
		}
		data, err := os.ReadFile(p)
		out[rel] = string(data)
		return err
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return out
}

func sameTree(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// describeTree names the paths where got differs from want.
func describeTree(got, want map[string]string) string {
	var diff []string
	for k, v := range got {
		if w, ok := want[k]; !ok {
			diff = append(diff, "+"+k)
		} else if w != v {
			diff = append(diff, "~"+k)
		}
	}
	for k := range want {
		if _, ok := got[k]; !ok {
			diff = append(diff, "-"+k)
		}
	}
	slices.Sort(diff)
	return strings.Join(diff, " ")
}

// atomicRepo is a committed repository whose intents are variant A in
// intents/, and the trees build makes from A and from B in deploy/netpol.
func atomicRepo(t *testing.T) (r *gittest.Repo, treeA, treeB map[string]string) {
	t.Helper()
	r = gittest.New(t)
	r.Write("netpolc.yaml", "intents: intents\noutput: deploy/netpol\n")
	r.Chdir()
	r.Write("intents/shop.cue", variantB)
	mustRun(t, 0, "build")
	treeB = treeOf(t, r.Path("deploy/netpol"))
	r.Write("intents/shop.cue", variantA)
	mustRun(t, 0, "build")
	treeA = treeOf(t, r.Path("deploy/netpol"))
	r.Commit("a")
	if sameTree(treeA, treeB) || len(treeA) < 20 {
		t.Fatalf("variants give %d and %d files, want different trees", len(treeA), len(treeB))
	}
	return r, treeA, treeB
}

// litter lists what git would pick up besides the output and the
// intents: staging, temporary files, locks.
func litter(t *testing.T, r *gittest.Repo) []string {
	t.Helper()
	var out []string
	for _, line := range strings.Split(r.Git("status", "--porcelain", "--untracked-files=all", "--ignored"), "\n") {
		p := strings.TrimSpace(line[min(len(line), 2):])
		if p == "" || strings.HasPrefix(p, "intents/") || (strings.HasPrefix(p, "deploy/netpol/") && !strings.Contains(p, "tmp")) {
			continue
		}
		out = append(out, p)
	}
	return out
}

// stagingPending reports whether an interrupted build left staging in
// the repository's git directory.
func stagingPending(r *gittest.Repo) bool {
	entries, _ := os.ReadDir(r.Path(".git/netpolc"))
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "stage-") {
			return true
		}
	}
	return false
}

// TestKillLoop kills `netpolc build` with SIGKILL at random moments,
// switching between two intent variants: after each kill and the next
// netpolc command, the output is exactly the tree before the build or the
// tree it was making, never a mix, and no staging is left where git
// sees it.
func TestKillLoop(t *testing.T) {
	r, treeA, treeB := atomicRepo(t)
	bin := netpolcBin(t)
	run := func(args ...string) (time.Duration, error) {
		start := time.Now()
		cmd := exec.Command(bin, args...)
		cmd.Dir, cmd.Env = r.Dir, r.Env()
		out, err := cmd.CombinedOutput()
		if err != nil {
			return 0, fmt.Errorf("netpolc %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return time.Since(start), nil
	}
	// How long a build takes, to aim the kills.
	r.Write("intents/shop.cue", variantB)
	full, err := run("build")
	if err != nil {
		t.Fatal(err)
	}
	cur, trees := treeB, [2]map[string]string{treeA, treeB}
	// At least minRounds, and on until wantCut kills interrupted a write
	// (a loaded machine schedules the kills late: more rounds), at most
	// maxRounds.
	interrupted, rounds := 0, 0
	const minRounds, maxRounds, wantCut = 20, 200, 3
	for i := 0; i < maxRounds && (i < minRounds || interrupted < wantCut); i++ {
		rounds++
		next := trees[i%2]
		r.Write("intents/shop.cue", [2]string{variantA, variantB}[i%2])
		killed := killBuild(t, r, bin, full, i%2 == 1)
		mid := stagingPending(r)
		if got := treeOf(t, r.Path("deploy/netpol")); killed && (mid || !(sameTree(got, cur) || sameTree(got, next))) {
			interrupted++
		}
		// Any netpolc command first finishes or discards the interrupted
		// build.
		if _, err := run("vet"); err != nil {
			t.Fatal(err)
		}
		got := treeOf(t, r.Path("deploy/netpol"))
		switch {
		case sameTree(got, next):
			cur = next
		case sameTree(got, cur):
		default:
			t.Fatalf("round %d: a mixed tree after kill and recovery: vs old: %s; vs new: %s", i, describeTree(got, cur), describeTree(got, next))
		}
		if l := litter(t, r); len(l) > 0 || stagingPending(r) {
			t.Fatalf("round %d: left behind: %q (staging pending: %v)", i, l, stagingPending(r))
		}
	}
	t.Logf("%d rounds, %d interrupted mid-write; a build takes %v", rounds, interrupted, full)
	if interrupted == 0 {
		t.Errorf("no kill interrupted a write: the loop tested nothing")
	}
	// The tree left is netpolc's own: the next build finds no hand edits.
	_, errOut := mustRun(t, 0, "build")
	if errOut != "" {
		t.Errorf("build after the loop: %s", errOut)
	}
}

// killBuild starts `netpolc build` and kills it with SIGKILL: at a random
// moment of a run that takes about full, or, whileWriting, within a few
// milliseconds of its staging appearing. It reports whether the build
// died before it finished.
func killBuild(t *testing.T, r *gittest.Repo, bin string, full time.Duration, whileWriting bool) bool {
	t.Helper()
	cmd := exec.Command(bin, "build")
	cmd.Dir, cmd.Env = r.Dir, r.Env()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if whileWriting {
		// The write phase lasts a millisecond or less (files are made
		// on every CPU): watch closely, then kill within it.
		for deadline := time.Now().Add(2 * full); !stagingPending(r) && time.Now().Before(deadline); {
			time.Sleep(20 * time.Microsecond)
		}
		time.Sleep(time.Duration(rand.Int64N(int64(400 * time.Microsecond))))
	} else {
		time.Sleep(time.Duration(rand.Int64N(int64(full)*11/10) + 1))
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()
	return !cmd.ProcessState.Success()
}

// TestConcurrentBuilds runs builds of two intent variants into one output
// at once: each finishes, one after the other, and the tree is exactly one
// variant's, whose record the next build trusts.
func TestConcurrentBuilds(t *testing.T) {
	r := gittest.New(t)
	r.Chdir()
	r.Write("a/shop.cue", variantA)
	r.Write("b/shop.cue", variantB)
	mustRun(t, 0, "build", "b", "-o", "out")
	treeB := treeOf(t, r.Path("out"))
	mustRun(t, 0, "build", "a", "-o", "out")
	treeA := treeOf(t, r.Path("out"))
	bin := netpolcBin(t)
	for round := range 4 {
		var wg sync.WaitGroup
		errs := make([]string, 6)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				cmd := exec.Command(bin, "build", []string{"a", "b"}[i%2], "-o", "out")
				cmd.Dir, cmd.Env = r.Dir, r.Env()
				if out, err := cmd.CombinedOutput(); err != nil || strings.Contains(string(out), "warning") {
					errs[i] = fmt.Sprintf("%v\n%s", err, out)
				}
			}()
		}
		wg.Wait()
		for _, e := range errs {
			if e != "" {
				t.Errorf("round %d: %s", round, e)
			}
		}
		got := treeOf(t, r.Path("out"))
		if !sameTree(got, treeA) && !sameTree(got, treeB) {
			t.Fatalf("round %d: a mixed tree: vs a: %s; vs b: %s", round, describeTree(got, treeA), describeTree(got, treeB))
		}
	}
	_, errOut := mustRun(t, 0, "build", "a", "-o", "out")
	if errOut != "" {
		t.Errorf("build after concurrent builds: %s", errOut)
	}
}

// TestLockTimeout: while another process holds the output's lock, a build
// waits at most --lock-timeout, then fails with a clear message and
// changes nothing.
func TestLockTimeout(t *testing.T) {
	r, treeA, _ := atomicRepo(t)
	if err := os.MkdirAll(r.Path(".git/netpolc"), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(r.Path(".git/netpolc/lock"), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	r.Write("intents/shop.cue", variantB)
	start := time.Now()
	_, errOut := mustRun(t, 2, "build", "--lock-timeout", "300ms")
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("waited %v for a 300ms timeout", d)
	}
	matches(t, "lock timeout", `deploy/netpol is being written by another netpolc(?s).*300ms.*hint: `, errOut)
	if got := treeOf(t, r.Path("deploy/netpol")); !sameTree(got, treeA) {
		t.Errorf("a build that did not get the lock changed the output: %s", describeTree(got, treeA))
	}
	_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	mustRun(t, 0, "build", "--lock-timeout", "300ms")
}
