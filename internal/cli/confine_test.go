package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestOutputConfined: an output outside the work tree, inside .git, the
// work tree root, the intents directory or a parent of it is refused by
// build and verify alike (exit 2), with the position of the value in
// netpolc.yaml, and nothing is written.
func TestOutputConfined(t *testing.T) {
	r := gateRepo(t)
	if err := os.Symlink(t.TempDir(), r.Path("elsewhere")); err != nil {
		t.Fatal(err)
	}
	before := diskState(t, filepath.Dir(r.Dir))
	for _, c := range []struct{ output, msg string }{
		{"../escaped", `outside the git work tree`},
		{"../../../tmp/x", `outside the git work tree`},
		{"elsewhere/netpol", `outside the git work tree`},
		{".git/hooks", `inside the git directory`},
		{"deploy/.git/x", `inside the git directory`},
		{".", `the root of the git work tree`},
		{"intents", `the intents directory`},
		{"intents/..", `the root of the git work tree`},
	} {
		r.Write("netpolc.yaml", "intents: intents\noutput: "+c.output+"\n")
		r.Git("add", "netpolc.yaml") // verify reads the staged config
		for _, cmd := range []string{"build", "verify"} {
			_, errOut := mustRun(t, 2, cmd)
			matches(t, cmd+" output: "+c.output, `netpolc\.yaml:2:9: output: .*`+regexp.QuoteMeta(c.msg)+`(?s).*hint: `, errOut)
		}
		if after := diskState(t, filepath.Dir(r.Dir)); after != before {
			t.Fatalf("output: %s: a refused build changed the disk:\n%s", c.output, after)
		}
	}
	// A parent of the intents directory.
	r.Write("netpolc.yaml", "intents: policy/intents\noutput: policy\n")
	r.Write("policy/intents/shop.cue", gateIntents)
	r.Git("add", "netpolc.yaml", "policy")
	before = diskState(t, filepath.Dir(r.Dir))
	for _, cmd := range []string{"build", "verify"} {
		_, errOut := mustRun(t, 2, cmd)
		matches(t, cmd+" parent of intents", `netpolc\.yaml:2:9: output: .*holds the intents directory`, errOut)
	}
	// -o is held to the same rule.
	r.Write("netpolc.yaml", "intents: intents\noutput: deploy/netpol\n")
	r.Git("add", "netpolc.yaml")
	for _, cmd := range []string{"build", "verify"} {
		_, errOut := mustRun(t, 2, cmd, "-o", "../escaped")
		matches(t, cmd+" -o", `-o \.\./escaped: .*outside the git work tree`, errOut)
	}
	if after := diskState(t, filepath.Dir(r.Dir)); after != before {
		t.Fatalf("a refused build changed the disk:\n%s", after)
	}
	// Inside the work tree is fine.
	mustRun(t, 0, "build")
	mustRun(t, 0, "build", "-o", "intents/out")
}

// diskState lists every path under dir with its size, except git's own
// files, which git commands may rewrite.
func diskState(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if fi.IsDir() && fi.Name() == ".git" && !strings.Contains(p, "hooks") {
			if _, err := os.Stat(filepath.Join(p, "hooks")); err == nil {
				b.WriteString(p + "/hooks: ")
				entries, _ := os.ReadDir(filepath.Join(p, "hooks"))
				for _, e := range entries {
					b.WriteString(e.Name() + " ")
				}
				b.WriteString("\n")
			}
			return filepath.SkipDir
		}
		b.WriteString(strings.TrimPrefix(p, dir) + "\n")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}
