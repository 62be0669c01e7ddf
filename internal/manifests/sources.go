package manifests

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/netpolc/netpolc/internal/diag"
)

// stdinArg is the path that reads the manifests from standard input (a
// `helm template` stream piped in); positions name it stdinName.
const (
	stdinArg  = "-"
	stdinName = "<stdin>"
)

// kustomizationNames are the file names that make a directory a
// kustomization, as kustomize looks for them.
var kustomizationNames = []string{"kustomization.yaml", "kustomization.yml", "Kustomization"}

// kustomization returns the kustomization file of dir, or "".
func kustomization(dir string) string {
	for _, n := range kustomizationNames {
		if st, err := os.Stat(filepath.Join(dir, n)); err == nil && st.Mode().IsRegular() {
			return filepath.Join(dir, n)
		}
	}
	return ""
}

// generated reads a path that is not plain files: standard input, or a
// kustomization directory built with krusty (as `kustomize build DIR`,
// plugins off, loads restricted to the directory tree). ok is false when
// path is neither (a directory whose kustomization only lists local
// resources is read as those files: see plainKustomization). The result is named after the source so positions say
// where they point: "<stdin>", or "DIR/kustomization.yaml (built)", whose
// lines are those of the built stream.
func generated(path string, maxBytes int64, stdin io.Reader) (f File, ok bool, err error) {
	if path == stdinArg {
		if stdin == nil {
			stdin = os.Stdin
		}
		var buf bytes.Buffer
		_, err := buf.ReadFrom(io.LimitReader(stdin, maxBytes+1))
		return File{Name: stdinName, Data: buf.Bytes()}, true, err
	}
	st, err := os.Stat(path)
	if err != nil || !st.IsDir() {
		return File{}, false, nil
	}
	k := kustomization(path)
	if k == "" {
		return File{}, false, nil
	}
	if _, plain := plainKustomization(path, 0); plain {
		return File{}, false, nil
	}
	data, err := kustomizeBuild(path)
	return File{Name: k + " (built)", Data: data}, true, err
}

// kustomizeBuild runs krusty over dir. Kustomizations are pull-request
// input too, so every kustomization file it reads is checked first: a
// remote resource (a git repository, an http URL) is an error, never
// fetched.
func kustomizeBuild(dir string) ([]byte, error) {
	opts := krusty.MakeDefaultOptions()
	k := krusty.MakeKustomizer(opts)
	fs := &localOnly{FileSystem: filesys.MakeFsOnDisk()}
	m, err := k.Run(fs, dir)
	if fs.refused != nil { // kustomize rewords it as a missing file
		return nil, fs.refused
	}
	if err != nil {
		return nil, fmt.Errorf("kustomize build %s: %w", dir, err)
	}
	return m.AsYaml()
}

// localOnly is the disk, refusing kustomization files that name remote
// resources.
type localOnly struct {
	filesys.FileSystem
	refused error // the first kustomization refused
}

// ReadFile reads name and checks it when it is a kustomization.
func (fs *localOnly) ReadFile(name string) ([]byte, error) {
	data, err := fs.FileSystem.ReadFile(name)
	if err != nil || !isKustomizationName(filepath.Base(name)) {
		return data, err
	}
	if r := remoteEntry(data); r != "" {
		err := fmt.Errorf("%s: %q is a remote resource: netpolc builds kustomizations from local files only (vendor it, or render it first and pipe the YAML to --manifests -)", name, r)
		if fs.refused == nil {
			fs.refused = err
		}
		return nil, err
	}
	return data, nil
}

func isKustomizationName(n string) bool {
	for _, k := range kustomizationNames {
		if n == k {
			return true
		}
	}
	return false
}

// remoteEntry is the first entry of a kustomization that kustomize would
// fetch over the network, or "". Undecodable files are left to kustomize.
func remoteEntry(data []byte) string {
	var k map[string]any
	if yaml.Unmarshal(data, &k) != nil {
		return ""
	}
	if charts, ok := k["helmCharts"].([]any); ok && len(charts) > 0 {
		return "helmCharts"
	}
	var refs []string
	for _, f := range []string{"resources", "bases", "components", "crds", "configurations", "generators", "transformers", "validators"} {
		list, _ := k[f].([]any)
		for _, e := range list {
			if s, ok := e.(string); ok {
				refs = append(refs, s)
			}
		}
	}
	for _, p := range []string{"patches", "patchesStrategicMerge", "patchesJson6902"} {
		list, _ := k[p].([]any)
		for _, e := range list {
			if m, ok := e.(map[string]any); ok {
				e = m["path"]
			}
			if s, ok := e.(string); ok && !strings.Contains(s, "\n") {
				refs = append(refs, s)
			}
		}
	}
	for _, r := range refs {
		if isRemote(r) {
			return r
		}
	}
	return ""
}

// isRemote tells whether kustomize would fetch ref: a URL, a git address,
// or a host/path (github.com/org/repo//dir?ref=v1).
func isRemote(ref string) bool {
	first, _, _ := strings.Cut(ref, "/")
	return strings.Contains(ref, "://") || strings.HasPrefix(ref, "git@") || strings.Contains(ref, "?ref=") ||
		strings.Contains(ref, "?version=") || strings.Contains(ref, ".git") ||
		(strings.Contains(first, ".") && first != "." && first != ".." && !strings.HasPrefix(first, ".") &&
			!strings.HasSuffix(first, ".yaml") && !strings.HasSuffix(first, ".yml") && !strings.HasSuffix(first, ".json"))
}

// generatedError is the problem of a source that could not be generated.
func generatedError(path string, err error) *diag.Diagnostic {
	return problem(diag.Pos{File: path}, "", errRead, "", "%s", err.Error())
}

// plainKustomization lists the files a kustomization in dir names when it
// does nothing but list local resources (as netpolc's own output does):
// those are read as files, so positions name the files themselves. ok is
// false when the kustomization transforms anything (namespace, labels,
// patches, generators...): then it is built.
func plainKustomization(dir string, depth int) (files []string, ok bool) {
	k := kustomization(dir)
	data, err := os.ReadFile(k)
	if err != nil || depth > 16 {
		return nil, false
	}
	var m map[string]any
	if yaml.Unmarshal(data, &m) != nil {
		return nil, false
	}
	for key := range m {
		if key != "apiVersion" && key != "kind" && key != "resources" {
			return nil, false
		}
	}
	list, _ := m["resources"].([]any)
	for _, e := range list {
		s, isString := e.(string)
		if !isString || isRemote(s) || filepath.IsAbs(s) {
			return nil, false
		}
		p := filepath.Join(dir, s)
		st, err := os.Stat(p)
		switch {
		case err != nil:
			return nil, false
		case !st.IsDir():
			files = append(files, p)
		case kustomization(p) == "":
			return nil, false
		default:
			sub, ok := plainKustomization(p, depth+1)
			if !ok {
				return nil, false
			}
			files = append(files, sub...)
		}
	}
	return files, true
}
