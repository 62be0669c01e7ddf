package gate

import (
	"bytes"
	"maps"

	"github.com/netpolc/netpolc/internal/gitrev"
	"github.com/netpolc/netpolc/internal/owners"
	"github.com/netpolc/netpolc/internal/pipeline"
)

// intentFiles are the intents read from one snapshot: one directory, or
// every owner's (Options.Owners).
type intentFiles struct {
	dir     string
	files   map[string][]byte
	owners  owners.Map
	byOwner map[string]map[string][]byte
}

// readIntentFiles reads the intents directory, or, with an ownership map,
// every owner's directory (repository paths).
func readIntentFiles(t *gitrev.Tree, dir string, m owners.Map) (intentFiles, error) {
	f := intentFiles{dir: dir, owners: m}
	if m == nil {
		var err error
		f.files, err = readIntents(t, dir)
		return f, err
	}
	f.byOwner = map[string]map[string][]byte{}
	for _, o := range m {
		files, err := readIntents(t, o.Dir)
		if err != nil {
			return f, err
		}
		f.byOwner[o.Name] = files
	}
	return f, nil
}

// empty reports whether the snapshot holds no intents at all.
func (f intentFiles) empty() bool {
	if f.owners == nil {
		return len(f.files) == 0
	}
	for _, files := range f.byOwner {
		if len(files) > 0 {
			return false
		}
	}
	return true
}

// equal reports whether two snapshots hold the same intents.
func (f intentFiles) equal(g intentFiles) bool {
	eq := func(a, b map[string][]byte) bool { return maps.EqualFunc(a, b, bytes.Equal) }
	return eq(f.files, g.files) && maps.EqualFunc(f.byOwner, g.byOwner, eq)
}

// sources are the pipeline's sources for what was read.
func (f intentFiles) sources() pipeline.Sources {
	if f.owners == nil {
		return pipeline.Sources{IntentsDir: displayDir(f.dir), IntentFiles: f.files}
	}
	src := pipeline.Sources{OwnerFiles: f.byOwner}
	for _, o := range f.owners {
		o.Dir = displayDir(o.Dir)
		src.Owners = append(src.Owners, o)
	}
	return src
}
