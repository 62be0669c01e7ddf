package intent_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/netpolc/netpolc/intent"
	"github.com/netpolc/netpolc/internal/diag"
)

func TestParseLimits(t *testing.T) {
	// manifest-bytes is internal/limits' (the manifests' bound): one
	// NETPOLC_LIMITS sets both, each reader checking its own.
	got, err := intent.ParseLimits(intent.DefaultLimits, " bytes=4MiB, list=5000,depth=2k,rules=7,manifest-bytes=1GiB ")
	if err != nil {
		t.Fatal(err)
	}
	want := intent.DefaultLimits
	want.Bytes, want.List, want.Depth, want.Rules = 4<<20, 5000, 2048, 7
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	for _, bad := range []string{"byte=1", "bytes", "bytes=0", "list=-1", "depth=lots", "files=1x"} {
		_, err := intent.ParseLimits(intent.DefaultLimits, bad)
		if err == nil || !errors.Is(err, diag.ErrInput) || !strings.Contains(err.Error(), "hint: write NETPOLC_LIMITS") {
			t.Errorf("%q: got %v, want an input error with a hint", bad, err)
		}
	}
}

// TestLimits feeds inputs that used to exhaust a CI runner (or crash it,
// for 300,000 nested labels) and requires each to fail fast, before CUE
// evaluates anything, with file:line:col and a hint naming the override.
func TestLimits(t *testing.T) {
	pkg := "package t\n\nnamespaces: shop: {}\n"
	small := intent.Limits{Bytes: 1000, Files: 2, Depth: 20, List: 10, Policies: 10, Rules: 10}
	cases := []struct {
		name  string
		files map[string]string
		lim   intent.Limits
		want  string
	}{
		{"300,000 nested labels", map[string]string{"a.cue": pkg + "x: " + strings.Repeat("a: ", 300000) + "1\n"},
			intent.DefaultLimits, `d/a.cue:4:299: nesting is deeper than the limit of 100 levels`},
		{"nested braces", map[string]string{"a.cue": pkg + "x: " + strings.Repeat("{a: ", 30) + strings.Repeat("}", 30) + "\n"},
			small, `d/a.cue:4:40: nesting is deeper than the limit of 20 levels`},
		{"selector chain", map[string]string{"a.cue": pkg + "x: a" + strings.Repeat(".a", 100000) + "\n"},
			intent.DefaultLimits, `d/a.cue:4:201: nesting is deeper`},
		{"disjunction chain", map[string]string{"a.cue": pkg + "x: 1" + strings.Repeat(" | 1", 100000) + "\n"},
			intent.DefaultLimits, `d/a.cue:4:398: nesting is deeper`},
		{"comprehension clauses", map[string]string{"a.cue": pkg + "x: {" + strings.Repeat("for a in b ", 50000) + "{}}\n"},
			intent.DefaultLimits, `d/a.cue:4:1072: nesting is deeper`},
		{"30,000 ports", map[string]string{"a.cue": pkg + "p: [" + strings.Repeat("1, ", 30000) + "]\n"},
			intent.DefaultLimits, `d/a.cue:4:4: this list has more than 1000 elements`},
		{"list over a small limit", map[string]string{"a.cue": pkg + "p: [[" + strings.Repeat("1, ", 11) + "]]\n"},
			small, `d/a.cue:4:5: this list has more than 10 elements`},
		{"bytes", map[string]string{"a.cue": pkg, "b.cue": "package t\n\n" + strings.Repeat("// filler\n", 100)},
			small, `d/b.cue:98:8: the intents are 1043 bytes, over the limit of 1000 bytes`},
		{"files", map[string]string{"a.cue": pkg, "b.cue": "package t\n", "c.cue": "package t\n"},
			small, `d/c.cue:1:1: the intents directory has 3 .cue files, over the limit of 2`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string][]byte{}
			for name, data := range tc.files {
				files[name] = []byte(data)
			}
			start := time.Now()
			_, memErr := intent.LoadFilesWith("d", files, tc.lim)
			_, diskErr := intent.LoadWith(writeDir(t, files), tc.lim)
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("took %v", d)
			}
			for what, err := range map[string]error{"LoadFiles": memErr, "Load": diskErr} {
				checkErr(t, what, err, []string{"^" + regexpQuote(tc.want), `hint: if this is intended, raise the limit: NETPOLC_LIMITS=`})
			}
		})
	}
}

// TestLimitsOverride checks that NETPOLC_LIMITS raises a limit.
func TestLimitsOverride(t *testing.T) {
	src := []byte("package t\n\nnamespaces: shop: labels: {" + strings.Repeat("\"k\": \"v\", ", 1500) + "}\n" +
		"_ports: [" + strings.Repeat("80, ", 1500) + "]\n")
	if _, err := intent.LoadFiles("d", map[string][]byte{"a.cue": src}); err == nil {
		t.Fatal("a list of 1,500 elements loaded under the default limit")
	}
	t.Setenv(intent.LimitsEnv, "list=2000")
	if _, err := intent.LoadFiles("d", map[string][]byte{"a.cue": src}); err != nil {
		t.Fatal(err)
	}
	t.Setenv(intent.LimitsEnv, "lists=2000")
	if _, err := intent.LoadFiles("d", map[string][]byte{"a.cue": src}); err == nil || !strings.Contains(err.Error(), `unknown limit "lists=2000"`) {
		t.Fatalf("a misspelt override: got %v", err)
	}
}

// writeDir writes files into a fresh directory d and returns its path
// relative to the working directory, which it changes to.
func writeDir(t *testing.T, files map[string][]byte) string {
	t.Helper()
	root := t.TempDir()
	dir := filepath.Join(root, "d")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(root)
	return "d"
}

func regexpQuote(s string) string {
	r := strings.NewReplacer(`.`, `\.`, `(`, `\(`, `)`, `\)`, `[`, `\[`, `]`, `\]`, `*`, `\*`, `+`, `\+`, `?`, `\?`, `|`, `\|`)
	return r.Replace(s)
}
