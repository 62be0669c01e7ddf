package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

// bench runs the scenarios.
type bench struct {
	netpolc, self, dir string
	runs               int
	only               string
	trash              []string // directories discard moved outputs into
}

// row is one line of the table.
type row struct {
	size, phase, wall, cpu, rss string
}

// sample is one measured run of one process.
type sample struct {
	wall, cpu time.Duration
	rss       int64 // bytes
	stdout    string
}

// scenario is one row to measure: a command, run in dir, after prep.
type scenario struct {
	size, phase string
	dir         string
	argv        []string
	prep        func() error
	fixture     func() error // writes dir unless it exists
}

// all writes the fixtures and measures every scenario.
func (b *bench) all() ([]row, error) {
	if err := b.writeFixtures(); err != nil {
		return nil, err
	}
	defer b.cleanup()
	var rows []row
	for _, s := range b.scenarios() {
		r, err := b.measure(s)
		if err != nil {
			return nil, err
		}
		rows = append(rows, r)
		fmt.Fprintf(os.Stderr, "%s %s: %s wall, %s CPU, %s\n", r.size, r.phase, r.wall, r.cpu, r.rss)
	}
	if b.only == "" || strings.Contains("workloads compile", b.only) {
		r, err := b.exponent()
		if err != nil {
			return nil, err
		}
		rows = append(rows, r...)
	}
	return rows, nil
}

// scenarios lists the matrix, build and verify rows that -only selects.
func (b *bench) scenarios() []scenario {
	var out []scenario
	for _, c := range clusters {
		dir := filepath.Join(b.dir, "cluster-"+c.name)
		write := func() error { return writeCluster(dir, c) }
		for _, f := range []string{"json", "csv"} {
			out = append(out, scenario{size: c.name + " pods", phase: "matrix " + f, dir: dir, fixture: write,
				argv: []string{b.netpolc, "matrix", "--manifests", ".", "--format", f}})
		}
		// The reader alone, in a process of its own (benchcmd -load).
		out = append(out, scenario{size: c.name + " pods", phase: "manifests load", dir: dir, fixture: write,
			argv: []string{b.self, "-load", "."}})
	}
	for _, w := range workloadSizes {
		dir := filepath.Join(b.dir, "repo-"+w.name)
		write := func() error { return writeRepo(dir, b.netpolc, w.namespaces) }
		out = append(out, b.repoScenarios(w.name+" workloads", dir, write)...)
	}
	return slices.DeleteFunc(out, func(s scenario) bool {
		return b.only != "" && !strings.Contains(s.size+" "+s.phase, b.only)
	})
}

// repoScenarios are build into a new directory, verify of the staged
// change, and verify of a commit that touches neither intents nor output:
// after its parent was verified (the state is reused), and in full.
func (b *bench) repoScenarios(size, dir string, fixture func() error) []scenario {
	fresh := filepath.Join(dir, "out-new")
	scens := []scenario{
		{size: size, phase: "build into a new dir", dir: dir,
			argv: []string{b.netpolc, "build", "-o", fresh},
			prep: func() error { return b.discard(fresh) }},
		{size: size, phase: "verify, staged change", dir: dir, argv: []string{b.netpolc, "verify"}},
		{size: size, phase: "verify, commit not touching intents", dir: dir,
			argv: []string{b.netpolc, "verify", "--head", "HEAD", "--base", "HEAD~1"},
			prep: func() error { return verifiedParent(b.netpolc, dir) }},
		{size: size, phase: "verify, commit not touching intents, --no-cache", dir: dir,
			argv: []string{b.netpolc, "verify", "--head", "HEAD", "--base", "HEAD~1", "--no-cache"}},
	}
	for i := range scens {
		scens[i].fixture = fixture
	}
	return scens
}

// verifiedParent is the state a commit not touching the intents starts
// from: its parent verified in full (as the pre-commit hook did when it
// was committed) and nothing else recorded.
func verifiedParent(netpolc, dir string) error {
	if err := os.RemoveAll(filepath.Join(dir, ".git", "netpolc")); err != nil {
		return err
	}
	_, err := run(dir, []string{netpolc, "verify", "--head", "HEAD~1", "--base", ""}, false)
	return err
}

// measure runs a scenario b.runs times and keeps the median of each figure.
func (b *bench) measure(s scenario) (row, error) {
	var samples []sample
	for i := 0; i < max(b.runs, 1); i++ {
		if s.prep != nil {
			if err := s.prep(); err != nil {
				return row{}, err
			}
		}
		sm, err := run(s.dir, s.argv, false)
		if err != nil {
			return row{}, fmt.Errorf("%s %s: %w", s.size, s.phase, err)
		}
		samples = append(samples, sm)
	}
	return row{size: s.size, phase: s.phase,
		wall: seconds(median(samples, func(s sample) float64 { return s.wall.Seconds() })),
		cpu:  seconds(median(samples, func(s sample) float64 { return s.cpu.Seconds() })),
		rss:  mib(median(samples, func(s sample) float64 { return float64(s.rss) })),
	}, nil
}

// discard moves the output of the last run out of the way without
// deleting it: on an ext4 without a journal (this VM's) the kernel skips
// inodes freed in the last minutes when it allocates one, scanning them
// one by one, so creating 10,000 files right after deleting 10,000 costs
// 400 µs a file more than on a quiet disk, a cost of the disk's history,
// not of netpolc (so does anything else deleting many files on the disk
// in the minutes before: a test run, a previous benchmark). b.cleanup
// deletes what was moved, after the last row.
func (b *bench) discard(path string) error {
	if _, err := os.Lstat(path); os.IsNotExist(err) {
		return nil
	}
	trash := filepath.Join(filepath.Dir(path), ".bench-trash")
	if err := os.MkdirAll(trash, 0o755); err != nil {
		return err
	}
	b.trash = append(b.trash, trash)
	return os.Rename(path, filepath.Join(trash, fmt.Sprintf("%d", time.Now().UnixNano())))
}

// cleanup deletes what discard moved away, then flushes the disk: the
// kernel counts a freed inode as recent for 60 s once its inode table
// block is written, for six minutes while it is dirty (fs/ext4/ialloc.c:
// recently_deleted, RECENTCY_MIN and RECENTCY_DIRTY), so a benchmark run
// within minutes of this one would pay for these deletions.
func (b *bench) cleanup() {
	for _, t := range b.trash {
		_ = os.RemoveAll(t)
	}
	syscall.Sync()
}

// run runs one process, its output to /dev/null (or kept, for the compile
// child), and reads the kernel's accounting of it. The output goes to the
// null device itself, not through a pipe this process drains: the 100k
// json matrix is 20 GB, and copying it through a pipe cost 17 s of which
// netpolc is not the cause.
func run(dir string, argv []string, keep bool) (sample, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	var out strings.Builder
	if keep {
		cmd.Stdout = &out
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if err != nil {
		return sample{}, fmt.Errorf("%v: %v\n%s", argv, err, stderr.String())
	}
	ru, _ := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	s := sample{wall: wall, stdout: out.String()}
	if ru != nil {
		s.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		s.rss = ru.Maxrss * 1024
	}
	return s, nil
}
