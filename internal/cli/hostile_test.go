package cli

import (
	"bytes"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/netpolc/netpolc/internal/testkit/synth"
)

// TestHostileIntentsFailFast: inputs a pull request could use to take a
// CI runner down fail within seconds, before CUE evaluates them, with a
// position and the override in the hint. Before the limits, the 5 MB
// intents ran `vet` for over five minutes and 5 GB, 30,000 ports in one
// rule took 1.6 GB, and 300,000 nested labels crashed with a Go stack
// overflow.
func TestHostileIntentsFailFast(t *testing.T) {
	pkg := "package t\n\nnamespaces: shop: workloads: {web: {}, db: {}}\n"
	cases := []struct {
		name, src, want string
	}{
		{"5 MB of intents", string(synth.Intents(3600, 10)),
			`intents/a\.cue:\d+:\d+: the intents are 5006923 bytes, over the limit of 1048576 bytes[^\n]*\n    hint: if this is intended, raise the limit: NETPOLC_LIMITS=bytes=5006923`},
		{"30,000 ports in one rule", pkg + "policies: p: {namespace: \"shop\", workload: \"db\", ingress: [{from: [{workload: \"web\"}], ports: [" +
			strings.TrimSuffix(strings.Repeat("80, ", 30000), ", ") + "]}]}\n",
			`intents/a\.cue:4:95: this list has more than 1000 elements, the limit\n    hint: .*NETPOLC_LIMITS=list=2000`},
		{"300,000 nested labels", pkg + "x: " + strings.Repeat("a: ", 300000) + "1\n",
			`intents/a\.cue:4:299: nesting is deeper than the limit of 100 levels`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			dir := filepath.Join(root, "intents")
			writeFiles(t, dir, map[string]string{"a.cue": tc.src})
			t.Chdir(root)
			start := time.Now()
			var stdout, stderr bytes.Buffer
			code := Main([]string{"vet", "intents"}, &stdout, &stderr)
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("vet took %v", d)
			}
			if code != exitInvalid {
				t.Fatalf("exit code %d, want %d; stderr:\n%s", code, exitInvalid, stderr.String())
			}
			if !regexp.MustCompile(tc.want).MatchString(stderr.String()) {
				t.Errorf("stderr does not match %q:\n%s", tc.want, stderr.String())
			}
		})
	}
}
