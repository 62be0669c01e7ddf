package manifests

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// maxBombAlloc bounds what reading one of the bombs may allocate: they
// are under a kilobyte each, and expand to 10^8 and more nodes.
const maxBombAlloc = 64 << 20

// TestBombs reads inputs of a few hundred bytes that expand exponentially
// through aliases, merge keys and nested Lists. Each must fail at a
// position with errLimit, or read as the little it means, within bounded
// memory (a bound on allocation, not on time, so that a loaded machine
// cannot make it flaky).
func TestBombs(t *testing.T) {
	files, _ := filepath.Glob("testdata/bombs/*.yaml")
	if len(files) == 0 {
		t.Fatal("no bombs in testdata/bombs")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			var s *Set
			var err error
			alloc := allocated(func() { s, err = Load(f) })
			t.Logf("%s: allocated %d KiB", f, alloc>>10)
			if alloc > maxBombAlloc {
				t.Errorf("reading %s allocated %d MiB, more than %d", f, alloc>>20, maxBombAlloc>>20)
			}
			got := ""
			if err != nil {
				checkErrors(t, f, err)
				got = err.Error() + "\n"
			} else {
				got = summary(s)
			}
			golden(t, strings.TrimSuffix(f, ".yaml")+".golden", got)
		})
	}
}

// TestBombsReachEveryPath feeds the List bomb through ParseFiles, the
// path of manifests read from a git revision (diff, verify).
func TestBombsReachEveryPath(t *testing.T) {
	data := mustRead(t, "testdata/bombs/list.yaml")
	var err error
	ns := []byte("apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n")
	alloc := allocated(func() { _, err = ParseFiles(File{"a.yaml", ns}, File{"bomb.yaml", data}) })
	if !errors.Is(err, errLimit) || !strings.HasPrefix(err.Error(), "bomb.yaml:12:9: ") {
		t.Errorf("error %v, want ErrLimit at bomb.yaml:12:9", err)
	}
	if alloc > maxBombAlloc {
		t.Errorf("allocated %d MiB", alloc>>20)
	}
}

// allocated returns the bytes f allocates.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func mustRead(t *testing.T, file string) []byte {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestExpansionBudget checks the budget against real use of anchors and
// against NETPOLC_LIMITS.
func TestExpansionBudget(t *testing.T) {
	// 2,000 Deployments sharing metadata and a pod template by anchors
	// and merge keys, as hand-written manifests do.
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: List\nitems:\n")
	b.WriteString("- &d {apiVersion: apps/v1, kind: Deployment, metadata: &m {name: d0, namespace: shop, labels: &l {team: a, tier: web}},\n")
	b.WriteString("   spec: {selector: {matchLabels: *l}, template: &t {metadata: {labels: *l}, spec: {containers: [{name: c, image: i, ports: [{name: http, containerPort: 80}]}]}}}}\n")
	for i := 1; i < 2000; i++ {
		fmt.Fprintf(&b, "- {<<: *d, metadata: {<<: *m, name: d%d}}\n", i)
	}
	if s, err := Parse("real.yaml", []byte(b.String())); err != nil || len(s.Inventory.Endpoints) != 2000 {
		t.Fatalf("anchors of real manifests: %v", err)
	}

	// 10^5 strings from under 500 bytes: over the default budget, within
	// a raised one.
	bomb := "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nl0: &l0 [a, a, a, a, a, a, a, a, a, a]\n"
	for i := 1; i <= 4; i++ {
		bomb += fmt.Sprintf("l%d: &l%d [%s]\n", i, i, strings.Repeat(fmt.Sprintf("*l%d, ", i-1), 9)+fmt.Sprintf("*l%d", i-1))
	}
	if _, err := Parse("bomb.yaml", []byte(bomb)); !errors.Is(err, errLimit) {
		t.Errorf("10^5 nodes from %d bytes: error %v, want ErrLimit", len(bomb), err)
	}
	t.Setenv("NETPOLC_LIMITS", "manifest-expansion=1000")
	if _, err := Parse("bomb.yaml", []byte(bomb)); err != nil {
		t.Errorf("with manifest-expansion=1000: %v", err)
	}
	t.Setenv("NETPOLC_LIMITS", "manifest-expansoin=1000")
	if _, err := Parse("bomb.yaml", []byte(bomb)); err == nil || !strings.Contains(err.Error(), "no such limit") {
		t.Errorf("with a misspelt limit: error %v", err)
	}
}
