// Package owners is the ownership map of a repository shared by several
// teams (netpolc.yaml `owners:`): one platform directory, the only place
// cluster-wide intents may live, and team directories, each owning a set
// of namespaces by name or by label. The directories are loaded as one
// cluster (each stays its own CUE package); this package decides who owns
// what, checks the compiled intents against it, and places every
// generated file in its owner's folder.
//
// The map is pull-request input: it is bounded (Max*), names are DNS
// labels (they become folder names), directories are relative paths that
// cannot escape the repository, and verify reads it from the base
// revision (see README "Ownership").
package owners

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/netpolc/netpolc/internal/diag"
)

// Bounds of the map: far above a platform team with forty tenants, far
// below what would make the checks slow.
const (
	MaxOwners     = 100
	MaxNamespaces = 2000 // named by one owner
	MaxLabels     = 16   // in one owner's label claim
)

// Owner is one entry of the map.
type Owner struct {
	// Name names the owner's output folder (a DNS label).
	Name string
	// Dir is the owner's intents directory (absolute, or a repository
	// path in a snapshot).
	Dir string
	// Platform marks the platform directory.
	Platform bool
	// Namespaces are the namespaces owned by name, sorted.
	Namespaces []string
	// Labels, when set, claims every namespace whose declared labels
	// include them all (a name claim of another owner wins).
	Labels map[string]string
	// Pos is where netpolc.yaml names the owner.
	Pos diag.Pos
}

// Map is the owners in the order netpolc.yaml lists them, the platform
// owner first.
type Map []Owner

// Platform is the platform owner (Validate guarantees there is one).
func (m Map) Platform() *Owner {
	for i := range m {
		if m[i].Platform {
			return &m[i]
		}
	}
	return nil
}

// Validate checks the map as a whole: one platform owner, names and
// directories distinct, every namespace named by one owner only, bounds.
// The platform owner is moved first.
func (m Map) Validate() (Map, diag.List) {
	var errs diag.List
	if len(m) > MaxOwners {
		errs.Add(m[MaxOwners].Pos, "owners", "split the repository, or merge owners", "%d owners, over the limit of %d", len(m), MaxOwners)
		return nil, errs
	}
	names, dirs, claimed := map[string]string{}, map[string]string{}, map[string]string{}
	platforms := 0
	for _, o := range m {
		errs = append(errs, o.check()...)
		if o.Platform {
			platforms++
		}
		if prev, dup := names[o.Name]; dup {
			errs.Add(o.Pos, "owners."+o.Name, "", "owner %q is listed twice (%s)", o.Name, prev)
		}
		names[o.Name] = o.Pos.String()
		if prev, dup := dirs[o.Dir]; dup {
			errs.Add(o.Pos, "owners."+o.Name+".intents", "give each owner its own directory", "directory %s is owned by %s too", o.Dir, prev)
		}
		dirs[o.Dir] = o.Name
		for _, ns := range o.Namespaces {
			if prev, dup := claimed[ns]; dup && prev != o.Name {
				errs.Add(o.Pos, "owners."+o.Name+".namespaces", "a namespace has one owner", "namespace %q is owned by %s too", ns, prev)
			}
			claimed[ns] = o.Name
		}
	}
	if platforms != 1 && len(m) > 0 {
		errs.Add(m[0].Pos, "owners", "mark exactly one owner `platform: true`: the directory of the cluster-wide intents",
			"%d platform owners", platforms)
	}
	if len(errs) > 0 {
		errs.Sort()
		return nil, errs
	}
	out := slices.Clone(m)
	slices.SortStableFunc(out, func(a, b Owner) int {
		if a.Platform == b.Platform {
			return 0
		}
		if a.Platform {
			return -1
		}
		return 1
	})
	return out, nil
}

// check checks one owner's own fields.
func (o Owner) check() diag.List {
	var errs diag.List
	at := "owners." + o.Name
	if msgs := validation.IsDNS1123Label(o.Name); len(msgs) > 0 {
		errs.Add(o.Pos, at, "owner names name output folders: lower-case letters, digits and '-'", "invalid owner name %q: %s", o.Name, strings.Join(msgs, "; "))
	}
	if o.Dir == "" {
		errs.Add(o.Pos, at, "write `intents: DIR` under the owner", "owner %s has no intents directory", o.Name)
	}
	if len(o.Namespaces) > MaxNamespaces {
		errs.Add(o.Pos, at+".namespaces", "claim them by label instead", "%d namespaces, over the limit of %d", len(o.Namespaces), MaxNamespaces)
	}
	for _, ns := range o.Namespaces {
		if msgs := validation.IsDNS1123Label(ns); len(msgs) > 0 {
			errs.Add(o.Pos, at+".namespaces", "", "invalid namespace name %q: %s", ns, strings.Join(msgs, "; "))
		}
	}
	if len(o.Labels) > MaxLabels {
		errs.Add(o.Pos, at+".namespace-labels", "", "%d labels, over the limit of %d", len(o.Labels), MaxLabels)
	}
	for _, k := range slices.Sorted(maps.Keys(o.Labels)) {
		if msgs := validation.IsQualifiedName(k); len(msgs) > 0 {
			errs.Add(o.Pos, at+".namespace-labels", "", "invalid label key %q: %s", k, strings.Join(msgs, "; "))
		}
		if msgs := validation.IsValidLabelValue(o.Labels[k]); len(msgs) > 0 {
			errs.Add(o.Pos, at+".namespace-labels", "", "invalid label value %q: %s", o.Labels[k], strings.Join(msgs, "; "))
		}
	}
	return errs
}

// NamespaceOwner is the owner of a namespace with the given labels: the
// owner naming it, else the one owner whose label claim matches. It
// returns "" and a reason when none or several do.
func (m Map) NamespaceOwner(name string, labels map[string]string) (string, string) {
	for _, o := range m {
		if slices.Contains(o.Namespaces, name) {
			return o.Name, ""
		}
	}
	var by []string
	for _, o := range m {
		if len(o.Labels) > 0 && matches(o.Labels, labels) {
			by = append(by, o.Name)
		}
	}
	switch len(by) {
	case 1:
		return by[0], ""
	case 0:
		return "", "no owner names it or claims its labels"
	}
	return "", fmt.Sprintf("the label claims of %s all match it", strings.Join(by, ", "))
}

func matches(want, have map[string]string) bool {
	for k, v := range want {
		if got, ok := have[k]; !ok || got != v {
			return false
		}
	}
	return true
}

// Describe is a one-line account of an owner, for the gate's report of a
// changed map.
func (o Owner) Describe() string {
	s := fmt.Sprintf("%s: %s", o.Name, o.Dir)
	if o.Platform {
		s += " (platform)"
	}
	if len(o.Namespaces) > 0 {
		s += ", namespaces " + strings.Join(o.Namespaces, ",")
	}
	if len(o.Labels) > 0 {
		var kv []string
		for _, k := range slices.Sorted(maps.Keys(o.Labels)) {
			kv = append(kv, k+"="+o.Labels[k])
		}
		s += ", labels " + strings.Join(kv, ",")
	}
	return s
}

// Changes lists how head differs from base, one line per owner added,
// removed or changed, sorted: a change to the map grants or takes
// namespaces, so the gate shows and gates it.
func Changes(base, head Map) []string {
	index := func(m Map) map[string]Owner {
		out := map[string]Owner{}
		for _, o := range m {
			out[o.Name] = o
		}
		return out
	}
	b, h := index(base), index(head)
	var out []string
	for _, name := range slices.Sorted(maps.Keys(b)) {
		ho, ok := h[name]
		switch {
		case !ok:
			out = append(out, "owner "+b[name].Describe()+" is removed")
		case ho.Describe() != b[name].Describe():
			out = append(out, "owner "+b[name].Describe()+" becomes "+ho.Describe())
		}
	}
	for _, name := range slices.Sorted(maps.Keys(h)) {
		if _, ok := b[name]; !ok {
			out = append(out, "owner "+h[name].Describe()+" is added")
		}
	}
	return out
}
