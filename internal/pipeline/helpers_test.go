package pipeline

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/netpolc/netpolc/compiler"
	"github.com/netpolc/netpolc/intent"
	"github.com/netpolc/netpolc/internal/testkit/randir"
)

// compileGenerate compiles a loaded intents set and generates opts'
// targets.
func compileGenerate(set *intent.Set, opts Options) (*Output, error) {
	res, err := compiler.Compile(set)
	if err != nil {
		return nil, err
	}
	return Generate(res, opts)
}

// shop is the shop example's compiled intents (randir.Examples).
func shop(t *testing.T) *compiler.Result {
	t.Helper()
	ex, err := randir.Examples()
	if err != nil {
		t.Fatal(err)
	}
	return &compiler.Result{Policy: ex["shop"]}
}

// exampleTarget is the target the example tests build dir for:
// networkpolicy, or cilium for an example whose intents name DNS peers
// (`fqdn:`), which NetworkPolicy cannot express.
func exampleTarget(t *testing.T, dir string) string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.cue"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(data, []byte("fqdn:")) {
			return "cilium"
		}
		if platformTemplate.Match(data) {
			return "adminpolicy" // the platform layer: the only target that expresses it
		}
	}
	return "networkpolicy"
}

// platformTemplate matches an instance of a platform-layer template.
var platformTemplate = regexp.MustCompile(`templates\.#(Cluster[A-Za-z]+|DenyCloudMetadata|TenantIsolation)\b`)
