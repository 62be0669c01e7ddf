package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/netpolc/netpolc/internal/testkit/gen"
	"github.com/netpolc/netpolc/internal/testkit/synth"
)

// cluster is a generated cluster of the matrix scenarios, named by its pods.
type cluster struct {
	name string
	cfg  gen.Config
}

// clusters are the matrix sizes the issue names (namespaces / pods /
// policies): 200/5,000/2,000, 500/50,000/10,000 and 1,000/100,000/20,000.
var clusters = []cluster{
	{"5k", gen.Config{Seed: 1, Namespaces: 200, Workloads: 5000, Policies: 2000}},
	{"50k", gen.Config{Seed: 1, Namespaces: 500, Workloads: 50000, Policies: 10000}},
	{"100k", gen.Config{Seed: 1, Namespaces: 1000, Workloads: 100000, Policies: 20000}},
}

// workloadSizes are the build and verify sizes: namespaces × 25 workloads.
var workloadSizes = []struct {
	name       string
	namespaces int
}{{"5k", 200}, {"20k", 800}}

// writeFixtures writes the missing fixtures in a child process. The peak
// RSS the kernel reports for a measured process is at least its parent's
// at the time of the fork (Linux keeps the old mm's high-water mark across
// exec), so generating a 100,000-pod cluster in this process would set a
// floor of gigabytes under every row.
func (b *bench) writeFixtures() error {
	argv := []string{b.self, "-fixtures", "-dir", b.dir, "-netpolc", b.netpolc, "-only", b.only}
	if _, err := run(".", argv, false); err != nil {
		return fmt.Errorf("writing fixtures: %w", err)
	}
	return nil
}

// fixturesNow writes, in this process, the fixtures of the scenarios -only
// selects (the -fixtures child's job).
func (b *bench) fixturesNow() error {
	done := map[string]bool{}
	for _, s := range b.scenarios() {
		if done[s.dir] {
			continue
		}
		done[s.dir] = true
		if err := s.fixture(); err != nil {
			return err
		}
	}
	return nil
}

// writeCluster writes a generated cluster's manifests into dir, one file
// per namespace, unless dir already holds them.
func writeCluster(dir string, c cluster) error {
	return once(dir, func(tmp string) error { return gen.WriteYAML(gen.Generate(c.cfg), tmp) })
}

// once makes dir with write, unless it exists: write fills a temporary
// directory that is renamed to dir when it is complete, so an interrupted
// run leaves no half-made fixture behind.
func once(dir string, write func(tmp string) error) error {
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	tmp := dir + ".partial"
	if err := os.RemoveAll(tmp); err != nil {
		return err
	}
	if err := write(tmp); err != nil {
		return err
	}
	return os.Rename(tmp, dir)
}

// writeRepo makes a git repository of synthetic intents (namespaces × 25
// workloads) with netpolc.yaml, its output built and committed by netpolc,
// a second commit that changes only README.md, then a staged change: one
// workload more in the last namespace, rebuilt.
func writeRepo(dir, netpolc string, namespaces int) error {
	return once(dir, func(tmp string) error { return fillRepo(tmp, netpolc, namespaces) })
}

// fillRepo writes writeRepo's repository into dir.
func fillRepo(dir, netpolc string, namespaces int) error {
	if err := os.MkdirAll(filepath.Join(dir, "intents"), 0o755); err != nil {
		return err
	}
	cue := synth.Intents(namespaces, 25)
	files := map[string][]byte{
		"netpolc.yaml":      []byte("intents: intents\noutput: deploy\n"),
		"intents/synth.cue": cue,
		"README.md":         []byte("synthetic intents\n"),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return err
		}
	}
	steps := [][]string{
		{"git", "init", "-q"}, {netpolc, "build"}, {"git", "add", "-A"},
		commit("base"),
	}
	if err := runAll(dir, steps); err != nil {
		return err
	}
	// A commit that touches neither the intents nor the output.
	if err := os.WriteFile(filepath.Join(dir, "README.md"), []byte("synthetic intents, 25 a namespace\n"), 0o644); err != nil {
		return err
	}
	if err := runAll(dir, [][]string{{"git", "add", "-A"}, commit("readme")}); err != nil {
		return err
	}
	extra := fmt.Sprintf("namespaces: ns%04d: workloads: extra: ports: http: 8080\n", namespaces-1)
	f, err := os.OpenFile(filepath.Join(dir, "intents/synth.cue"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(extra); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return runAll(dir, [][]string{{netpolc, "build"}, {"git", "add", "-A"}})
}

// commit is the git command that commits the index.
func commit(msg string) []string {
	return []string{"git", "-c", "user.name=bench", "-c", "user.email=bench@example.com", "commit", "-q", "-m", msg}
}

// runAll runs commands in dir, stopping at the first failure.
func runAll(dir string, steps [][]string) error {
	for _, s := range steps {
		cmd := exec.Command(s[0], s[1:]...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("%v in %s: %v\n%s", s, dir, err, out)
		}
	}
	return nil
}
