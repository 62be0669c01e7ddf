package kustomize

import (
	"errors"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/netpolc/netpolc/emitters/kit"
)

// OwnedFiles is Files for output split by owner: the files of each target
// lie in <target>/<owner>/, every owner folder of a target that has
// Kubernetes objects gets its own kustomization (an empty one when the
// owner has no file there, so each owner's folder always builds), and the
// target's kustomization lists the owner folders. One Flux Kustomization
// or Argo CD Application per target still points at <target>; one per
// owner and target can point at <target>/<owner>. A target whose files
// are not Kubernetes objects (the nftables ruleset, directly in its
// folder) is laid out as Files does; a file that is no .yaml directly in
// a target folder with objects (a note) stays there, listed nowhere.
func OwnedFiles(targets map[string][]kit.File, owners []string) ([]kit.File, error) {
	var (
		out, flat []kit.File
		dirs      []string
		errs      []error
		seen      = map[string]bool{}
	)
	for _, o := range owners {
		if !singleElement(o) {
			return nil, fmt.Errorf("%w: owner folder %q: not a single path element", errInvalid, o)
		}
	}
	for _, target := range slices.Sorted(maps.Keys(targets)) {
		files := targets[target]
		if !singleElement(target) {
			errs = append(errs, fmt.Errorf("%w: target folder %q: not a single path element", errInvalid, target))
			continue
		}
		if !slices.ContainsFunc(files, func(f kit.File) bool { return strings.HasSuffix(f.Path, ".yaml") }) && len(files) > 0 {
			flat = append(flat, files...) // nothing kustomize could read
			continue
		}
		ks, err := ownerKustomizations(target, files, owners, seen)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(append(out, files...), ks...)
		dirs = append(dirs, target)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	root, err := kustomization(fileName, dirs)
	if err != nil {
		return nil, err
	}
	out = append(append(out, flat...), root)
	kit.SortFiles(out)
	return out, nil
}

// ownerKustomizations are the kustomizations of one target: one per owner
// folder, and the target's listing them.
func ownerKustomizations(target string, files []kit.File, owners []string, seen map[string]bool) ([]kit.File, error) {
	byOwner := map[string][]kit.File{}
	for _, f := range files {
		rest, _ := strings.CutPrefix(f.Path, target+"/")
		o, _, nested := strings.Cut(rest, "/")
		if !nested && !strings.HasSuffix(rest, ".yaml") {
			continue // a note beside the owners' folders (cilium/AUDIT-MODE.md of build --staged): no resource
		}
		if !nested || !slices.Contains(owners, o) {
			return nil, fmt.Errorf("%w: target %s: file %q is not inside an owner's folder", errInvalid, target, f.Path)
		}
		byOwner[o] = append(byOwner[o], f)
	}
	var out []kit.File
	sorted := slices.Sorted(slices.Values(owners))
	for _, o := range sorted {
		folder := path.Join(target, o)
		resources, err := folderResources(target, folder, byOwner[o], seen)
		if err != nil {
			return nil, err
		}
		k, err := kustomization(path.Join(folder, fileName), resources)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	k, err := kustomization(path.Join(target, fileName), sorted)
	if err != nil {
		return nil, err
	}
	return append(out, k), nil
}
