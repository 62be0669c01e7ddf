package cli

import (
	"errors"
	"io"
	"io/fs"
	"os"

	"github.com/netpolc/netpolc/internal/config"
	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/filetree"
	"github.com/netpolc/netpolc/internal/gate"
	"github.com/netpolc/netpolc/internal/gitrev"
)

// flowsFlagHelp is the --flows help of verify and diff.
const flowsFlagHelp = "observed flows the change may not block: Hubble JSON, Calico flow logs or CSV (files or directories, repeatable; - for standard input); " +
	"netpolc.yaml's flows are read from the base and the head as well"

// flowArgs are the --flows arguments with each directory replaced by the
// files below it, in lexical order, hidden files and folders left out
// (as netpolc.yaml's flows read one); "-" is standard input. A directory
// with no flow file is an error: a typo would judge by nothing.
func flowArgs(names []string) ([]string, error) {
	var out []string
	for _, name := range names {
		st, err := os.Stat(name)
		if name == "-" || err != nil || !st.IsDir() {
			out = append(out, name) // opening it reports what is wrong
			continue
		}
		files, err := filetree.Files(name, func(p string, d fs.DirEntry) bool {
			return d.Type().IsRegular() || d.Type()&fs.ModeSymlink != 0 && isRegular(p)
		})
		if err != nil {
			return nil, diag.Errorf("give a readable directory of flow files", "--flows %s: %v", name, err)
		}
		if len(files) == 0 {
			return nil, diag.Errorf("give flow files, or a directory holding them", "--flows %s: the directory holds no flow file", name)
		}
		out = append(out, files...)
	}
	return out, nil
}

func isRegular(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

// flowFiles are the --flows arguments (directories expanded), opened when
// the gate reads them.
func flowFiles(names []string) ([]gate.FlowFile, error) {
	names, err := flowArgs(names)
	if err != nil {
		return nil, err
	}
	out := make([]gate.FlowFile, len(names))
	for i, name := range names {
		out[i] = gate.FlowFile{Name: name, Open: func() (io.ReadCloser, error) { return os.Open(name) }}
		if name == "-" {
			out[i] = gate.FlowFile{Name: "<stdin>", Open: func() (io.ReadCloser, error) { return io.NopCloser(os.Stdin), nil }}
		}
	}
	return out, nil
}

// observedInput is the observed traffic to gate on: nil when neither
// --flows nor netpolc.yaml's flows (at either side) name any.
func observedInput(files []string, base, head []string, allowClosing bool) (*gate.ObservedInput, error) {
	if len(files)+len(base)+len(head) == 0 {
		return nil, nil
	}
	ff, err := flowFiles(files)
	if err != nil {
		return nil, err
	}
	return &gate.ObservedInput{Files: ff, BasePaths: base, HeadPaths: head, AllowClosing: allowClosing}, nil
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
