// Package manifests reads Kubernetes YAML (or JSON) into an inventory of
// namespaces and endpoints plus the network policies in it, keeping the
// file and line every object came from.
//
// Workloads (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job,
// CronJob, ReplicationController) become endpoints; Namespace objects give
// namespace labels; NetworkPolicy and the policy.networking.k8s.io kinds are
// kept as typed objects; Services, Ingresses, OpenShift Routes, Gateway-API
// HTTPRoutes and GRPCRoutes and ReferenceGrants are resolved into the edge
// (Set.Edge: edge.go). Every other kind is skipped with a note. Problems
// are collected over the whole run and returned together, sorted, as a
// diag.List of *diag.Diagnostic values that name file:line:col, the object
// and field, and what to do; each one's Err is errRead, errSyntax,
// errInvalid, errDuplicate or errLimit.
//
// YAML is read as kubectl reads it (unquoted YAML 1.1 booleans such as
// yes, no, on and off are booleans; merge keys are applied), and every run
// is bounded (see bounds.go and internal/limits): its bytes, documents and
// objects, and the nodes aliases, merge keys and List items expand to, in
// proportion to the input's size.
//
// Files are parsed and read on every CPU, each alone, and merged in order
// (alone.go); a file whose reading depends on the files before it (a
// duplicate, a bound) is read again in order. yaml.v3's node trees are
// what everything reads: the block YAML that tools write is parsed into
// them by a one-pass reader (fastyaml.go) that leaves anything else to
// yaml.v3, and builds the trees yaml.v3 would build.
package manifests

import (
	"cmp"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/filetree"

	networkingv1 "k8s.io/api/networking/v1"
	"sigs.k8s.io/network-policy-api/apis/v1alpha1"
	"sigs.k8s.io/network-policy-api/apis/v1alpha2"

	"github.com/netpolc/netpolc/internal/inventory"
)

// Set is everything read from a group of manifests.
type Set struct {
	// Inventory holds the namespaces (one for every namespace an endpoint
	// or NetworkPolicy is in, synthesised when there is no Namespace
	// object) and the endpoints, one per workload or bare Pod.
	Inventory inventory.Inventory
	// NetworkPolicies are sorted by namespace and name; a policy without
	// a namespace is in "default".
	NetworkPolicies []NetworkPolicy
	// ClusterNetworkPolicies (v1alpha2), AdminNetworkPolicies and
	// BaselineAdminNetworkPolicies (v1alpha1) are sorted by name.
	ClusterNetworkPolicies       []ClusterNetworkPolicy
	AdminNetworkPolicies         []AdminNetworkPolicy
	BaselineAdminNetworkPolicies []BaselineAdminNetworkPolicy
	// Edge holds the Services, resolved to the endpoints they select, and
	// the routes of Ingresses, OpenShift Routes and Gateway-API
	// HTTPRoutes and GRPCRoutes to them.
	Edge inventory.Edge
	// Notes are things the user may want to know that are not errors, such
	// as skipped kinds, each starting with file:line.
	Notes []string
	// Skipped are warnings, one per document skipped under
	// Options.SkipInvalid, each starting with file:line.
	Skipped []string
	// Warnings are about what is valid but not portable (two admin
	// policies at one priority whose rules may overlap), each starting
	// with file:line:col.
	Warnings []string
}

// NetworkPolicy is a networking.k8s.io/v1 NetworkPolicy and where it was
// read from.
type NetworkPolicy struct {
	networkingv1.NetworkPolicy
	Source diag.Pos
}

// ClusterNetworkPolicy is a policy.networking.k8s.io/v1alpha2
// ClusterNetworkPolicy and where it was read from.
type ClusterNetworkPolicy struct {
	v1alpha2.ClusterNetworkPolicy
	Source diag.Pos
}

// AdminNetworkPolicy is a policy.networking.k8s.io/v1alpha1
// AdminNetworkPolicy and where it was read from.
type AdminNetworkPolicy struct {
	v1alpha1.AdminNetworkPolicy
	Source diag.Pos
}

// BaselineAdminNetworkPolicy is a policy.networking.k8s.io/v1alpha1
// BaselineAdminNetworkPolicy and where it was read from.
type BaselineAdminNetworkPolicy struct {
	v1alpha1.BaselineAdminNetworkPolicy
	Source diag.Pos
}

// File is one input file held in memory. Name is used in positions.
type File struct {
	Name string
	Data []byte
}

// Load reads the manifests at paths. A path is a file (read whatever its
// extension), a directory holding a kustomization (built with kustomize's
// krusty, local files only), another directory (walked recursively for
// .yaml, .yml and .json files; hidden files and directories are
// skipped), or "-" for standard input. All problems of the
// run are returned together as a diag.List; on error the Set is nil.
func Load(paths ...string) (*Set, error) { return load(Options{}, paths) }

func load(opts Options, paths []string) (*Set, error) {
	lim, err := loadBounds()
	if err != nil {
		return nil, diag.Collect(err)
	}
	var names []string
	var extra []File
	var errs diag.List
	seen := map[string]bool{}
	for _, p := range paths {
		if f, ok, err := generated(p, lim.bytes, opts.Stdin); ok {
			if err != nil {
				errs = append(errs, generatedError(p, err))
			} else {
				extra = append(extra, f)
			}
			continue
		}
		found, err := expand(p)
		if err != nil {
			errs = append(errs, readError(p, err))
			continue
		}
		for _, name := range found {
			if clean := filepath.Clean(name); !seen[clean] {
				seen[clean] = true
				names = append(names, name)
			}
		}
	}
	files, rerrs, ok := readFiles(names, lim.bytes)
	if errs = append(errs, rerrs...); !ok {
		return result(nil, errs)
	}
	files = append(files, extra...)
	b := newBuilder(lim)
	b.errs, b.opts = errs, opts
	return b.run(files)
}

func readError(path string, err error) *diag.Diagnostic {
	return problem(diag.Pos{File: path}, "", errRead, "", "%s", err.Error())
}

// expand lists the manifest files of path, sorted.
func expand(path string) ([]string, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		return []string{path}, nil
	}
	if files, ok := plainKustomization(path, 0); ok && kustomization(path) != "" {
		return files, nil
	}
	return filetree.Files(path, func(p string, _ fs.DirEntry) bool {
		switch strings.ToLower(filepath.Ext(p)) {
		case ".yaml", ".yml", ".json":
			return true
		}
		return false
	})
}

// Parse reads the manifests in data, naming positions after name.
func Parse(name string, data []byte) (*Set, error) {
	return ParseFiles(File{Name: name, Data: data})
}

// ParseFiles reads several in-memory files as one group of manifests, as
// Load does for files on disk (for example a tree read from a git
// revision). Files are read in the order given.
func ParseFiles(files ...File) (*Set, error) {
	lim, err := loadBounds()
	if err != nil {
		return nil, diag.Collect(err)
	}
	return newBuilder(lim).run(files)
}

// Sort orders everything in s as Load returns it: namespaces by name,
// endpoints by ID, NetworkPolicies by namespace and name, cluster-scoped
// policies by name. Notes keep their order.
func (s *Set) Sort() {
	s.Inventory.Sort()
	slices.SortStableFunc(s.NetworkPolicies, func(a, b NetworkPolicy) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	})
	slices.SortStableFunc(s.ClusterNetworkPolicies, func(a, b ClusterNetworkPolicy) int {
		return cmp.Compare(a.Name, b.Name)
	})
	slices.SortStableFunc(s.AdminNetworkPolicies, func(a, b AdminNetworkPolicy) int {
		return cmp.Compare(a.Name, b.Name)
	})
	slices.SortStableFunc(s.BaselineAdminNetworkPolicies, func(a, b BaselineAdminNetworkPolicy) int {
		return cmp.Compare(a.Name, b.Name)
	})
}
