package gate

import (
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/netpolc/netpolc/compiler"
	"github.com/netpolc/netpolc/emitters/adminpolicy/adminapi"
	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/enforcer/proof"
	"github.com/netpolc/netpolc/internal/gitrev"
	"github.com/netpolc/netpolc/internal/manifests"
	"github.com/netpolc/netpolc/internal/owners"
	"github.com/netpolc/netpolc/internal/pipeline"
)

// Spec says what to read from a snapshot, as repository paths: an intents
// directory, Kubernetes manifests, or both (then the intents' policies are
// evaluated over the manifests' workloads, as `netpolc matrix` does).
type Spec struct {
	// Intents is the intents directory; "" reads none.
	Intents string
	// Manifests are files or directories of YAML, read recursively.
	Manifests []string
	// SkipInvalid skips manifest documents that do not decode, with a
	// warning each (in Side.Notes), instead of failing.
	SkipInvalid bool
	// Controllers map ingress controller keys to workloads
	// (pipeline.Input.Controllers).
	Controllers map[string]string
	// AdminChannel is the network-policy-api channel the cluster runs
	// (pipeline.Sources.AdminChannel): "" when not known.
	AdminChannel adminapi.Channel
	// Owners, when set, replaces Intents: every owner's directory is read
	// (repository paths) and compiled as one cluster.
	Owners owners.Map
}

// Side is the policies of one snapshot, evaluated.
type Side struct {
	// Name describes the snapshot ("HEAD~1 (3f2a9c1)", "the staged index").
	Name string
	// Empty is set when the snapshot holds nothing the spec names (a
	// revision before the first commit, a deleted directory): no
	// policies, no connectivity.
	Empty bool
	// Compiled are the compiled intents (nil without intents).
	Compiled *compiler.Result
	// Input is what the model evaluates.
	Input pipeline.Input
	// Model and Matrix are nil when Empty.
	Model  *enforcer.Model
	Matrix *enforcer.Connectivity
	// Output is the generated files (set by generate only).
	Output *pipeline.Output
	// Owners checked the intents against the ownership map (nil without
	// one).
	Owners *owners.Checker
	// Notes are the manifest parser's notes (skipped kinds), then the
	// warnings of documents skipped under Spec.SkipInvalid.
	Notes []string
}

// load reads, compiles and evaluates what spec names in a snapshot.
func load(t *gitrev.Tree, spec Spec) (*Side, error) {
	s, err := compileSide(t, spec, nil, nil)
	if err != nil {
		return nil, err
	}
	return s, s.evaluate()
}

// compileSide reads and compiles what spec names in a snapshot (its
// intents read already when files is set), sharing the intents' parts
// with other loads through share (nil for none).
func compileSide(t *gitrev.Tree, spec Spec, files *intentFiles, share *pipeline.Share) (*Side, error) {
	if files == nil {
		f, err := readIntentFiles(t, spec.Intents, spec.Owners)
		if err != nil {
			return nil, err
		}
		files = &f
	}
	src := files.sources()
	src.SkipInvalid, src.Controllers, src.AdminChannel, src.Share = spec.SkipInvalid, spec.Controllers, spec.AdminChannel, share
	if spec.Intents == "" && spec.Owners == nil {
		src.IntentsDir = ""
	}
	var err error
	if src.ManifestFiles, err = ReadManifests(t, spec.Manifests); err != nil {
		return nil, err
	}
	s := &Side{Name: t.Name}
	if err := s.load(src); err != nil {
		return nil, err
	}
	return s, nil
}

// load runs the pipeline's load stage on what was read.
func (s *Side) load(src pipeline.Sources) error {
	if src.IntentFiles == nil {
		src.IntentFiles = map[string][]byte{} // never the work tree
	}
	if src.Owners != nil && src.OwnerFiles == nil {
		src.OwnerFiles = map[string]map[string][]byte{}
	}
	l, err := pipeline.Load(src)
	if err != nil {
		return s.wrap(err)
	}
	s.Input, s.Compiled, s.Notes = l.Input, l.Intents, slices.Concat(l.Notes, l.Warnings, l.Skipped)
	s.Owners = l.Owners
	if n := l.NoWorkloadsNote(); n != "" {
		s.Notes = append(s.Notes, s.Name+": "+n)
	}
	return nil
}

// compileBuild compiles the intents of a snapshot to build, read already,
// sharing their parts through share (nil for none).
func compileBuild(name string, files intentFiles, share *pipeline.Share) (*Side, error) {
	if files.empty() {
		return nil, fmt.Errorf("%s: no .cue files in %s (new files must be staged with git add): %w", displayDir(files.dir), name, errNoIntents)
	}
	s := &Side{Name: name}
	src := files.sources()
	src.Share = share
	if err := s.load(src); err != nil {
		return nil, err
	}
	return s, nil
}

// generate builds the compiled intents' output files exactly as `netpolc
// build` would with opts, and evaluates them.
func (s *Side) generate(opts pipeline.Options) error {
	opts.Owners = s.Owners
	var err error
	if s.Output, err = pipeline.Generate(s.Compiled, opts); err != nil {
		return s.wrap(err)
	}
	if opts.Inventory != nil {
		// The build evaluated over other workloads than a side's own.
		if s.Model, err = s.Input.Model(); err != nil {
			return s.wrap(err)
		}
		if s.Matrix, err = proof.Matrix(s.Model); err != nil {
			return s.wrap(err)
		}
		return nil
	}
	s.Model = s.Output.Model
	if s.Matrix, err = s.Output.Matrix(); err != nil {
		return s.wrap(err)
	}
	return nil
}

// evaluate builds the model and matrix of whatever was loaded.
func (s *Side) evaluate() error {
	if s.Input.Empty() {
		s.Empty = true
		return nil
	}
	var err error
	if s.Model, err = s.Input.Model(); err != nil {
		return s.wrap(err)
	}
	if s.Matrix, err = proof.Matrix(s.Model); err != nil {
		return s.wrap(err)
	}
	return nil
}

// wrap names the snapshot in an error that is not already positioned.
// Positioned errors (diag.List, manifest errors) already name their files,
// and callers print which snapshot failed.
func (s *Side) wrap(err error) error { return &SideError{Side: s.Name, Err: err} }

// SideError is a failure to read or compile one snapshot.
type SideError struct {
	Side string
	Err  error
}

func (e *SideError) Error() string { return e.Side + ": " + e.Err.Error() }

// Unwrap exposes the cause (a diag.List for intent errors).
func (e *SideError) Unwrap() error { return e.Err }

// readIntents reads the .cue files directly in dir, by base name.
func readIntents(t *gitrev.Tree, dir string) (map[string][]byte, error) {
	if dir == "" {
		return nil, nil
	}
	files, err := t.Read(dir, false, func(rel string) bool { return strings.HasSuffix(rel, ".cue") })
	if err != nil {
		return nil, err
	}
	byName := make(map[string][]byte, len(files))
	for p, data := range files {
		byName[path.Base(p)] = data
	}
	return byName, nil
}

// displayDir is how intent positions name a repository directory; it
// matches what intent.Load records for the same directory on disk, so a
// build from a snapshot is byte-identical to one from the work tree.
func displayDir(dir string) string {
	if dir == "" || dir == "." {
		return "."
	}
	return strings.TrimSuffix(dir, "/")
}

// ReadManifests reads the YAML and JSON files of the manifest paths
// (repository paths; hidden files and directories are skipped, as on
// disk) from a snapshot.
func ReadManifests(t *gitrev.Tree, paths []string) ([]manifests.File, error) {
	var files []manifests.File
	seen := map[string]bool{}
	for _, p := range paths {
		got, err := t.Read(p, true, isManifest)
		if err != nil {
			return nil, err
		}
		for _, name := range sortedKeys(got) {
			if !seen[name] {
				seen[name] = true
				files = append(files, manifests.File{Name: name, Data: got[name]})
			}
		}
	}
	return files, nil
}

// isManifest keeps .yaml, .yml and .json files outside hidden folders.
func isManifest(rel string) bool {
	for _, part := range strings.Split(rel, "/") {
		if strings.HasPrefix(part, ".") {
			return false
		}
	}
	switch path.Ext(rel) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Evaluate reads, compiles and evaluates what spec names in a snapshot,
// for commands that ask one revision a question (replay --rev). A
// snapshot that holds none of it is an error: an empty model would call
// every flow allowed.
func Evaluate(t *gitrev.Tree, spec Spec) (*enforcer.Model, error) {
	s, err := load(t, spec)
	if err != nil {
		return nil, err
	}
	if s.Empty || s.Model == nil {
		return nil, fmt.Errorf("%s holds none of the intents or manifests to evaluate", t.Name)
	}
	return s.Model, nil
}
