package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/internal/config"
	"github.com/netpolc/netpolc/internal/diag"
)

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestFind: the file is found from any directory below it, paths are
// relative to the file, and the search stops at the git work tree root.
func TestFind(t *testing.T) {
	root := t.TempDir()
	repo := filepath.Join(root, "repo")
	write(t, filepath.Join(root, config.FileName), "intents: outside\n")
	write(t, filepath.Join(repo, ".git", "HEAD"), "ref: refs/heads/main\n")
	deep := filepath.Join(repo, "a", "b")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	c, err := config.Find(deep)
	if err != nil || c.File != "" {
		t.Fatalf("a file above the git root must not be used: %+v, %v", c, err)
	}
	write(t, filepath.Join(repo, config.FileName), "# netpolc\nintents: intents\noutput: deploy/netpol\ntargets: [networkpolicy]\n")
	c, err = config.Find(deep)
	if err != nil {
		t.Fatal(err)
	}
	if c.Intents != filepath.Join(repo, "intents") || c.Output != filepath.Join(repo, "deploy", "netpol") || !slices.Equal(c.Targets, []string{"networkpolicy"}) {
		t.Errorf("got %+v", c)
	}
	write(t, filepath.Join(repo, config.FileName), "targets: networkpolicy\n")
	if c, err = config.Find(repo); err != nil || !slices.Equal(c.Targets, []string{"networkpolicy"}) || c.Intents != "" {
		t.Errorf("scalar targets: %+v, %v", c, err)
	}
	write(t, filepath.Join(repo, config.FileName), "cilium-named-ports-per-destination: true\n")
	if c, err = config.Find(repo); err != nil || !c.Flag("cilium-named-ports-per-destination", false, false) || c.Flag("cilium-named-ports-per-destination", false, true) || c.Flag("allow-approximate", false, false) {
		t.Errorf("build flags: %+v, %v", c, err)
	}
	write(t, filepath.Join(repo, config.FileName), "")
	if c, err = config.Find(repo); err != nil || c.File == "" || c.Intents != "" {
		t.Errorf("empty file: %+v, %v", c, err)
	}
}

// TestErrors: every problem is reported with its line, together.
func TestErrors(t *testing.T) {
	cases := []struct{ name, content, want string }{
		{"unknown key", "intents: x\nouput: y\n", `netpolc\.yaml:2:1: ouput: unknown key "ouput"\n    hint: the keys are intents, output, targets, inventory, allow-approximate`},
		{"absolute path", "output: /abs\n", `netpolc\.yaml:1:9: output: output must be a relative path`},
		{"not a string", "intents: [a]\n", `netpolc\.yaml:1:10: intents: intents must be a directory path`},
		{"not a mapping", "- a\n", `netpolc\.yaml:1:1: the config must be a mapping`},
		{"bad yaml", "intents: [\n", `netpolc\.yaml: yaml: `},
		{"two errors", "a: 1\nb: 2\n", `(?s)1:1: a: unknown key.*2:1: b: unknown key`},
		{"duplicate key", "output: a\nintents: i\noutput: b\n", `netpolc\.yaml:3:1: output: output is set twice \(first at line 1\)`},
		{"flag not a boolean", "cilium-named-ports-per-destination: yes please\n", `netpolc\.yaml:1:37: cilium-named-ports-per-destination: cilium-named-ports-per-destination must be a boolean`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			name := filepath.Join(t.TempDir(), config.FileName)
			write(t, name, tc.content)
			_, err := config.Load(name)
			if !errors.Is(err, diag.ErrInput) {
				t.Fatalf("want an input error, got %v", err)
			}
			if !regexp.MustCompile(tc.want).MatchString(err.Error()) {
				t.Errorf("error does not match %q:\n%s", tc.want, err)
			}
		})
	}
}

func TestPick(t *testing.T) {
	if got := config.Pick("flag", true, "cfg", "def"); got != "flag" {
		t.Errorf("flag given: %q", got)
	}
	if got := config.Pick("", false, "cfg", "def"); got != "cfg" {
		t.Errorf("config: %q", got)
	}
	if got := config.Pick("", false, "", "def"); got != "def" {
		t.Errorf("default: %q", got)
	}
}

// TestInventory: inventory is one path or a list, relative to the file.
func TestInventory(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, config.FileName)
	write(t, name, "inventory: [cluster/pods.yaml, cluster/more]\n")
	c, err := config.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, "cluster/pods.yaml"), filepath.Join(dir, "cluster/more")}
	if !slices.Equal(c.Inventory, want) {
		t.Errorf("inventory %v, want %v", c.Inventory, want)
	}
	write(t, name, "inventory: /abs/pods.yaml\n")
	if _, err := config.Load(name); err == nil || !strings.Contains(err.Error(), "relative") {
		t.Errorf("an absolute inventory path: %v", err)
	}
}

// TestFlows: flows is one path or a list, relative to the file, with its
// position; absolute paths and more than MaxFlowPaths entries are errors.
func TestFlows(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, config.FileName)
	write(t, name, "intents: intents\nflows: [observed/, prod.csv]\n")
	c, err := config.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, "observed"), filepath.Join(dir, "prod.csv")}
	if !slices.Equal(c.Flows, want) || c.FlowsPos.Line != 2 || c.FlowsPos.Col != 8 {
		t.Errorf("flows %v at %v, want %v at 2:8", c.Flows, c.FlowsPos, want)
	}
	write(t, name, "flows: /var/log/flows.json\n")
	if _, err := config.Load(name); err == nil || !strings.Contains(err.Error(), "flows must be a relative path") {
		t.Errorf("an absolute flows path: %v", err)
	}
	write(t, name, "flows: ["+strings.Repeat("f.csv, ", config.MaxFlowPaths)+"f.csv]\n")
	if _, err := config.Load(name); err == nil || !strings.Contains(err.Error(), "at most 64") {
		t.Errorf("too many flows paths: %v", err)
	}
}
