package kit

import (
	"bytes"
	"fmt"
	"path"
	"strings"

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
	var files []File
	seen := map[string]bool{}
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
	var buf bytes.Buffer
	buf.Grow(1024)
	buf.WriteString(Header + "\n")
	writeOrigins(&buf, o.Origins)
	data, err := appendYAML(buf.Bytes(), o.Value)
	if err != nil {
		return File{}, fmt.Errorf("%s/%s: %w", dir, o.Name, err)
	}
	return File{Path: path.Join(target, dir, o.Name+".yaml"), Data: data}, nil
}

// writeOrigins writes a "# from <origin>" comment line per origin of an
// OriginsAnnotation value.
func writeOrigins(buf *bytes.Buffer, origins string) {
	if origins == "" {
		return
	}
	for _, o := range strings.Split(origins, originsSeparator) {
		// A comment ends at a line break; keep a stray one inside it.
		o = strings.NewReplacer("\r", " ", "\n", " ").Replace(o)
		fmt.Fprintf(buf, "# from %s\n", o)
	}
}
