// Package kustomize makes an output directory a kustomize base: a
// kustomization.yaml in every target folder listing that target's YAML
// files, and one at the root listing the target folders, so that
// `kustomize build OUT`, Flux and Argo CD can point straight at it.
//
// The kustomizations only list resources. They never set commonLabels or
// similar transformers, which would rewrite the selectors of the policies.
package kustomize

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"

	"sigs.k8s.io/kustomize/api/konfig"
	"sigs.k8s.io/kustomize/api/types"

	"github.com/netpolc/netpolc/emitters/kit"
)

// fileName is the name of the kustomization file written in the output
// directory and in each target folder.
const fileName = "kustomization.yaml"

// errInvalid marks input files that cannot be laid out as a kustomize
// base: a path outside its target folder, or a file in the way of a
// kustomization.
var errInvalid = errors.New("invalid output layout")

// Files returns every file of targets plus the kustomization files, sorted
// by path. targets maps a target folder name (such as "networkpolicy") to
// its files, whose paths must lie inside that folder.
//
// A target's resources are its .yaml files, as paths relative to its
// folder; other files (an nftables ruleset) are not Kubernetes objects. A
// target whose files are all of that kind gets no kustomization and is not
// listed at the root. A target without files gets an empty one, which
// `kustomize build` accepts.
func Files(targets map[string][]kit.File) ([]kit.File, error) {
	var (
		out   []kit.File
		dirs  []string
		errs  []error
		paths = map[string]bool{}
	)
	for _, target := range slices.Sorted(maps.Keys(targets)) {
		resources, err := resourcesOf(target, targets[target], paths)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, targets[target]...)
		if resources == nil && len(targets[target]) > 0 {
			continue // nothing kustomize could read
		}
		k, err := kustomization(path.Join(target, fileName), resources)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, k)
		dirs = append(dirs, target)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	root, err := kustomization(fileName, dirs)
	if err != nil {
		return nil, err
	}
	out = append(out, root)
	kit.SortFiles(out)
	return out, nil
}

// resourcesOf checks the files of a target and returns its resources:
// the .yaml files, relative to the target folder, sorted. seen collects
// every path to catch duplicates.
func resourcesOf(target string, files []kit.File, seen map[string]bool) ([]string, error) {
	if !singleElement(target) {
		return nil, fmt.Errorf("%w: target folder %q: not a single path element", errInvalid, target)
	}
	return folderResources(target, target, files, seen)
}

// singleElement reports whether name is one path element that is not a
// kustomization file's name.
func singleElement(name string) bool {
	return fs.ValidPath(name) && !strings.Contains(name, "/") && name != "." &&
		!slices.Contains(konfig.RecognizedKustomizationFileNames(), name)
}

// folderResources is resourcesOf for the files of folder (a target folder
// or an owner's folder in it).
func folderResources(target, folder string, files []kit.File, seen map[string]bool) ([]string, error) {
	var (
		resources []string
		errs      []error
	)
	// Made once, not per file: at thousands of files they were most of
	// this loop's allocations.
	prefix, reserved := folder+"/", konfig.RecognizedKustomizationFileNames()
	for _, f := range files {
		rel, inside := strings.CutPrefix(f.Path, prefix)
		switch {
		case !inside || !fs.ValidPath(f.Path):
			errs = append(errs, fmt.Errorf("%w: target %s: file %q is not inside folder %s/", errInvalid, target, f.Path, folder))
		case slices.Contains(reserved, rel):
			errs = append(errs, fmt.Errorf("%w: target %s: file %q is in the way of the generated kustomization", errInvalid, target, f.Path))
		case seen[f.Path]:
			errs = append(errs, fmt.Errorf("%w: target %s: file %q is produced twice", errInvalid, target, f.Path))
		case strings.HasSuffix(rel, ".yaml"):
			resources = append(resources, rel)
		}
		seen[f.Path] = true
	}
	slices.Sort(resources)
	return resources, errors.Join(errs...)
}

// kustomization prints a Kustomization listing resources.
func kustomization(name string, resources []string) (kit.File, error) {
	k := types.Kustomization{
		TypeMeta:  types.TypeMeta{APIVersion: types.KustomizationVersion, Kind: types.KustomizationKind},
		Resources: resources,
	}
	y, err := kit.MarshalYAML(&k)
	if err != nil {
		return kit.File{}, fmt.Errorf("%s: %w", name, err)
	}
	data := []byte(kit.Header + "\n")
	data = append(data, y...)
	if len(resources) == 0 {
		// kustomize rejects a kustomization without any field beyond its
		// type as "empty"; an explicit empty list builds to nothing.
		data = append(data, "resources: []\n"...)
	}
	return kit.File{Path: name, Data: data}, nil
}
