// Package scaffold writes a new intents directory for `netpolc init`.
package scaffold

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"

	"github.com/netpolc/netpolc/examples"
	"github.com/netpolc/netpolc/internal/atomicfile"
)

// example is the example directory `netpolc init` copies.
const example = "shop"

// Init writes the example intents into dir, creating it if needed. It
// refuses to touch a directory that already holds .cue files, so it never
// overwrites a user's intents. It returns the paths written.
func Init(dir string) ([]string, error) {
	if info, err := os.Stat(dir); err == nil && !info.IsDir() {
		return nil, fmt.Errorf("%s is a file; pass a directory", dir)
	}
	if existing, _ := filepath.Glob(filepath.Join(dir, "*.cue")); len(existing) > 0 {
		return nil, fmt.Errorf("%s already holds intents (%s); choose an empty directory", dir, existing[0])
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	names, err := fs.Glob(examples.FS, example+"/*.cue")
	if err != nil {
		return nil, err
	}
	var written []string
	for _, name := range names {
		data, err := fs.ReadFile(examples.FS, name)
		if err != nil {
			return nil, err
		}
		target := filepath.Join(dir, path.Base(name))
		if err := atomicfile.CreateFile(target, data, 0o644); err != nil {
			return written, err
		}
		written = append(written, target)
	}
	return written, nil
}
