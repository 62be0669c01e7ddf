package kit

import (
	"bytes"
	"fmt"
	"path"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/netpolc/netpolc/internal/par"
)

// clusterDir is the folder of cluster-scoped objects in a target's output.
const clusterDir = "cluster"

// Object is one emitted API object to print into its own file.
type Object struct {
	// Namespace is the object's namespace, "" for a cluster-scoped kind.
	Namespace string
	Name      string
	// Value is what MarshalYAML prints (TypeMeta set).
	Value any
	// Origins is the object's OriginsAnnotation value.
	Origins string
}

// ObjectFiles prints objects as YAML files, one per object, at
// <target>/<namespace>/<name>.yaml (<target>/cluster/<name>.yaml for
// cluster-scoped ones), sorted by path. Each file starts with Header and a
// "# from <origin>" line per intent that went into the object. Printing is
// the costly part at thousands of objects, so it runs on every CPU.
func ObjectFiles(target string, objs []Object) ([]File, error) {
	printed := make([]File, len(objs))
	perr := make([]error, len(objs))
	par.For(len(objs), func(i int) { printed[i], perr[i] = objectFile(target, &objs[i]) })
	errs := NewErrors(target)
	files := printed[:0] // filtered in place
	seen := make(map[string]bool, len(printed))
	for i, f := range printed {
		switch {
		case perr[i] != nil:
			errs.Add(perr[i])
		case seen[f.Path]:
			errs.Add(fmt.Errorf("%w: two objects at %s", ErrInvalid, f.Path))
		default:
			seen[f.Path] = true
			files = append(files, f)
		}
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, nil // as before the in-place filter
	}
	SortFiles(files)
	return files, nil
}

// objectFile prints one object. Its name and namespace become path
// elements, so they are checked here too: ObjectFiles also takes
// hand-made objects.
func objectFile(target string, o *Object) (File, error) {
	dir := o.Namespace
	if dir == "" {
		dir = clusterDir
	} else if err := checkNamespace(dir); err != nil {
		return File{}, fmt.Errorf("%w (object %q)", err, o.Name)
	}
	if msgs := validation.IsDNS1123Subdomain(o.Name); len(msgs) > 0 {
		return File{}, fmt.Errorf("%w object name %q: %s", ErrInvalid, o.Name, strings.Join(msgs, "; "))
	}
	scratch := fileBufs.Get().(*[]byte)
	defer fileBufs.Put(scratch)
	buf := append((*scratch)[:0], Header+"\n"...)
	buf = appendOrigins(buf, o.Origins)
	buf, err := appendYAML(buf, o.Value)
	if err != nil {
		return File{}, fmt.Errorf("%s/%s: %w", dir, o.Name, err)
	}
	*scratch = buf
	// One allocation of the file's size: the scratch buffer grew to the
	// largest file already and is reused by the next one.
	return File{Path: objectPath(target, dir, o.Name), Data: bytes.Clone(buf)}, nil
}

// objectPath is path.Join(target, dir, name+".yaml") in one allocation
// where the parts are clean already (checked names always are).
func objectPath(target, dir, name string) string {
	p := target + "/" + dir + "/" + name + ".yaml"
	if target == "" || dir == "" || name == "" || path.Clean(p) != p {
		return path.Join(target, dir, name+".yaml")
	}
	return p
}

// fileBufs are the scratch buffers objectFile prints into.
var fileBufs = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// appendOrigins appends a "# from <origin>" comment line per origin of an
// OriginsAnnotation value.
func appendOrigins(buf []byte, origins string) []byte {
	if origins == "" {
		return buf
	}
	for o := range strings.SplitSeq(origins, originsSeparator) {
		buf = append(buf, "# from "...)
		// A comment ends at a line break; keep a stray one inside it.
		for i := 0; i < len(o); i++ {
			c := o[i]
			if c == '\r' || c == '\n' {
				c = ' '
			}
			buf = append(buf, c)
		}
		buf = append(buf, '\n')
	}
	return buf
}
