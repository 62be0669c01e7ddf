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
	"github.com/netpolc/netpolc/internal/par"
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
	taken map[objectID]Origins
}

// objectID is a namespace and object name.
type objectID struct{ namespace, name string }

// NewNames returns a name checker reporting into errs.
func NewNames(errs *Errors) *Names { return &Names{errs: errs, taken: map[objectID]Origins{}} }

// Claim reports whether the object may be emitted under namespace/name.
func (n *Names) Claim(namespace, name string, from Origins) bool {
	// from.First() sorts the origins: only a message needs it.
	if msgs := validation.IsDNS1123Subdomain(name); len(msgs) > 0 {
		n.errs.At(from.First(), fmt.Errorf("%w policy name %q: %s", ErrInvalid, name, strings.Join(msgs, "; ")))
		return false
	}
	id := objectID{namespace, name}
	if other, ok := n.taken[id]; ok {
		n.errs.At(from.First(), fmt.Errorf("%w policy name %q: two subjects with different selectors share it (the other is at %s)",
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
//
// render must be pure and safe to call concurrently for different
// policies: the policies are rendered in map order, on every CPU, and
// sorting the keys of thousands of policies (long selector keys) cost
// more than the rest. Claim's outcome depends on the order only when two
// objects share a name or n has names taken already; then the objects
// are claimed in key order as before.
func Claimed[P, O any, PO namedObject[O]](n *Names, pols map[string]P, render func(P) (O, Origins, bool)) []O {
	keys := make([]string, 0, len(pols))
	for key := range pols {
		keys = append(keys, key)
	}
	kept := make([]O, len(keys))
	order := make([]claimedKey, len(keys))
	keep := make([]bool, len(keys))
	par.For(len(keys), func(i int) {
		obj, from, ok := render(pols[keys[i]])
		kept[i], keep[i] = obj, ok
		order[i] = claimedKey{ns: PO(&obj).GetNamespace(), name: PO(&obj).GetName(), key: keys[i], from: from, at: i}
	})
	order = slices.DeleteFunc(order, func(k claimedKey) bool { return !keep[k.at] })
	// Sort the keys, not the objects: an object is large.
	slices.SortFunc(order, compareClaimed)
	if len(n.taken) > 0 || sharedName(order) {
		claimInKeyOrder(n, order)
	} else {
		for i := range order {
			order[i].granted = n.Claim(order[i].ns, order[i].name, order[i].from)
		}
	}
	order = slices.DeleteFunc(order, func(k claimedKey) bool { return !k.granted })
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
// its policy's key, its origins, its index among the rendered objects,
// and whether n granted its name.
type claimedKey struct {
	ns, name, key string
	from          Origins
	at            int
	granted       bool
}

// compareClaimed orders by namespace, name and then key, so that objects
// sharing a name are in one order whatever the map's.
func compareClaimed(a, b claimedKey) int {
	return cmp.Or(cmp.Compare(a.ns, b.ns), cmp.Compare(a.name, b.name), cmp.Compare(a.key, b.key))
}

// sharedName reports whether two objects of sorted order share a
// namespace and name.
func sharedName(order []claimedKey) bool {
	for i := 1; i < len(order); i++ {
		if order[i].ns == order[i-1].ns && order[i].name == order[i-1].name {
			return true
		}
	}
	return false
}

// claimInKeyOrder claims the names in the order of the policies' keys,
// the one that decides which of two objects sharing a name is refused,
// and puts order back in namespace and name order.
func claimInKeyOrder(n *Names, order []claimedKey) {
	slices.SortFunc(order, func(a, b claimedKey) int { return cmp.Compare(a.key, b.key) })
	for i := range order {
		order[i].granted = n.Claim(order[i].ns, order[i].name, order[i].from)
	}
	slices.SortFunc(order, compareClaimed)
}
