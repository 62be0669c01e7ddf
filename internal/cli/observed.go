package cli

import (
	"errors"
	"io"
	"os"

	"github.com/netpolc/netpolc/internal/config"
	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/gate"
	"github.com/netpolc/netpolc/internal/gitrev"
)

// flowsFlagHelp is the --flows help of verify and diff.
const flowsFlagHelp = "observed flows the change may not block: Hubble JSON, Calico flow logs or CSV (repeatable; - for standard input); " +
	"netpolc.yaml's flows are read from the base and the head as well"

// flowFiles are the --flows arguments, opened when the gate reads them.
func flowFiles(names []string) []gate.FlowFile {
	out := make([]gate.FlowFile, len(names))
	for i, name := range names {
		out[i] = gate.FlowFile{Name: name, Open: func() (io.ReadCloser, error) { return os.Open(name) }}
		if name == "-" {
			out[i] = gate.FlowFile{Name: "<stdin>", Open: func() (io.ReadCloser, error) { return io.NopCloser(os.Stdin), nil }}
		}
	}
	return out
}

// observedInput is the observed traffic to gate on: nil when neither
// --flows nor netpolc.yaml's flows (at either side) name any.
func observedInput(files []string, base, head []string, allowClosing bool) *gate.ObservedInput {
	if len(files)+len(base)+len(head) == 0 {
		return nil
	}
	return &gate.ObservedInput{Files: flowFiles(files), BasePaths: base, HeadPaths: head, AllowClosing: allowClosing}
}

// flowPaths are netpolc.yaml's flows as repository paths; one outside
// the work tree is an error at its line.
func flowPaths(repo *gitrev.Repo, c *config.Config) ([]string, error) {
	var out []string
	for _, p := range c.Flows {
		rel, err := repo.Rel(p)
		if errors.Is(err, gitrev.ErrOutside) {
			return nil, &diag.Diagnostic{Severity: diag.Error, Pos: c.FlowsPos, Path: "flows", Err: err,
				Msg: "flows " + displayPath(p) + " is outside the git work tree", Hint: "name flow files committed in the repository"}
		}
		if err != nil {
			return nil, err
		}
		out = append(out, rel)
	}
	return out, nil
}
