package pipeline

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/internal/target"
)

// networkPolicyPlatform are the platform examples the networkpolicy
// target expresses (a baseline default-deny of everything, per covered
// namespace); TestExamplesGolden builds them for adminpolicy.
var networkPolicyPlatform = []string{"cluster-default-deny"}

// TestPlatformNetworkPolicyGolden builds those examples for the
// networkpolicy target, proven, and compares the files with
// testdata/golden/networkpolicy-platform/<example>; the build warns, at
// the intent's line, that namespaces created later are not covered.
func TestPlatformNetworkPolicyGolden(t *testing.T) {
	for _, name := range networkPolicyPlatform {
		t.Run(name, func(t *testing.T) {
			out, err := Run(Sources{IntentsDir: filepath.Join("..", "..", "examples", name)}, Options{Targets: target.MustParse("networkpolicy")})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string][]byte{}
			for _, f := range out.Files {
				got[f.Path] = f.Data
			}
			compareTree(t, filepath.Join("testdata", "golden", "networkpolicy-platform", name), got)
			n := 0
			for _, w := range out.Warnings {
				if strings.Contains(w.Msg, "networkpolicy: baseline intent") && strings.Contains(w.Msg, "a namespace created later is not covered") {
					n++
					if w.Pos.Line == 0 {
						t.Errorf("warning %v: no line", w)
					}
				}
			}
			if n == 0 {
				t.Errorf("warnings %v: none says that later namespaces are not covered", out.Warnings)
			}
		})
	}
}
