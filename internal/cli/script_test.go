package cli

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/netpolc/netpolc/internal/target"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"netpolc": func() { os.Exit(Main(os.Args[1:], os.Stdout, os.Stderr)) },
		// netpolc-broken has one more target, "broken", whose proof fails.
		"netpolc-broken": func() {
			target.WithExtra(brokenTarget{})
			os.Exit(Main(os.Args[1:], os.Stdout, os.Stderr))
		},
	})
}

// TestScripts runs the end-to-end scenarios in testdata/script: each
// .txtar file holds its input files, the netpolc commands to run and the
// output they must print. `go test ./cli -run TestScripts -update` rewrites
// the expected outputs (cmp lines) after an intended change.
func TestScripts(t *testing.T) {
	examples, err := filepath.Abs("../../examples")
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir:           "testdata/script",
		UpdateScripts: *updateScripts,
		Setup: func(e *testscript.Env) error {
			e.Setenv("EXAMPLES", examples)
			return nil
		},
	})
}
