package kit

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/netpolc/netpolc/internal/ir"
)

// Metadata netpolc puts on every object it emits.
const (
	// ManagedByLabel is the well-known label naming the tool that manages
	// an object; its value is ManagedBy.
	ManagedByLabel = "app.kubernetes.io/managed-by"
	// ManagedBy is the value of ManagedByLabel.
	ManagedBy = "netpolc"
	// OriginsAnnotation lists, sorted and joined with originsSeparator,
	// the positions of every intent (rule or isolation) that went into an
	// object, so a reviewer can trace it back to its CUE line.
	OriginsAnnotation = "netpolc.dev/origins"
	// originsSeparator joins the origins in OriginsAnnotation.
	originsSeparator = "; "
)

// Origins is the set of intents that went into one emitted object.
type Origins map[ir.Origin]bool

// Add records origins.
func (s Origins) Add(os ...ir.Origin) {
	for _, o := range os {
		s[o] = true
	}
}

// Sorted returns the origins ordered by file, line, column and template.
func (s Origins) Sorted() []ir.Origin { return slices.SortedFunc(maps.Keys(s), CompareOrigins) }

// First is the smallest origin, the one messages about the object name.
func (s Origins) First() ir.Origin {
	if len(s) == 0 {
		return ir.Origin{}
	}
	return s.Sorted()[0]
}

// String renders the OriginsAnnotation value: each origin in its stable
// form (file and CUE path, see ir.Origin.Stable), sorted by file and
// path (then position, for origins without a path), de-duplicated,
// joined; so that an edit elsewhere in an intents file
// changes neither the value nor its order.
func (s Origins) String() string {
	sorted := slices.SortedFunc(maps.Keys(s), func(a, b ir.Origin) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Path, b.Path), CompareOrigins(a, b))
	})
	out := make([]string, len(sorted))
	for i, o := range sorted {
		out[i] = o.Stable()
	}
	return strings.Join(slices.Compact(out), originsSeparator)
}

// CompareOrigins orders origins by file, line, column and template.
func CompareOrigins(a, b ir.Origin) int {
	return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line),
		cmp.Compare(a.Col, b.Col), cmp.Compare(a.Via, b.Via))
}

// ObjectMeta is the metadata of an emitted object: its name and namespace
// ("" for cluster-scoped kinds), the managed-by label and the origins
// annotation.
func ObjectMeta(namespace, name string, from Origins) metav1.ObjectMeta {
	return metav1.ObjectMeta{
		Name:        name,
		Namespace:   namespace,
		Labels:      map[string]string{ManagedByLabel: ManagedBy},
		Annotations: map[string]string{OriginsAnnotation: from.String()},
	}
}

// Names checks the names of emitted objects: each must be a valid object
// name and unique within its namespace. Claim reports a problem at the
// object's first origin.
type Names struct {
	errs  *Errors
	taken map[string]Origins
}

// NewNames returns a name checker reporting into errs.
func NewNames(errs *Errors) *Names { return &Names{errs: errs, taken: map[string]Origins{}} }

// Claim reports whether the object may be emitted under namespace/name.
func (n *Names) Claim(namespace, name string, from Origins) bool {
	first := from.First()
	if msgs := validation.IsDNS1123Subdomain(name); len(msgs) > 0 {
		n.errs.At(first, fmt.Errorf("%w policy name %q: %s", ErrInvalid, name, strings.Join(msgs, "; ")))
		return false
	}
	id := namespace + "/" + name
	if other, ok := n.taken[id]; ok {
		n.errs.At(first, fmt.Errorf("%w policy name %q: two subjects with different selectors share it (the other is at %s)",
			ErrInvalid, name, other.First()))
		return false
	}
	n.taken[id] = from
	return true
}

// namedObject is a pointer to an API object with object metadata.
type namedObject[O any] interface {
	*O
	GetNamespace() string
	GetName() string
}

// Claimed renders the policies of pols in the order of their keys (render
// returns the object, its origins, and false for one to leave out),
// keeps each object whose name n grants, and returns them sorted by
// namespace and name: one stable order whatever the IR's.
func Claimed[P, O any, PO namedObject[O]](n *Names, pols map[string]P, render func(P) (O, Origins, bool)) []O {
	kept := make([]O, 0, len(pols))
	var order []claimedKey
	for _, key := range slices.Sorted(maps.Keys(pols)) {
		obj, from, keep := render(pols[key])
		ns, name := PO(&obj).GetNamespace(), PO(&obj).GetName()
		if keep && n.Claim(ns, name, from) {
			order = append(order, claimedKey{ns: ns, name: name, at: len(kept)})
			kept = append(kept, obj)
		}
	}
	// Sort the keys, not the objects: an object is large, and a comparator
	// calling its methods through the type parameter moved each compared
	// copy to the heap. Claim makes namespace and name unique, so the
	// order is the one a sort of the objects gives.
	slices.SortFunc(order, func(a, b claimedKey) int {
		return cmp.Or(cmp.Compare(a.ns, b.ns), cmp.Compare(a.name, b.name))
	})
	if len(order) == 0 {
		return nil
	}
	out := make([]O, len(order))
	for i, k := range order {
		out[i] = kept[k.at]
	}
	return out
}

// claimedKey is where Claimed sorts an object: its namespace and name,
// and its index among the kept objects.
type claimedKey struct {
	ns, name string
	at       int
}
