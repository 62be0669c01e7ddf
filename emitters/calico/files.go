package calico

import (
	"bytes"
	"errors"
	"fmt"
	"path"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/netpolc/netpolc/emitters/calico/calicoapi"
	"github.com/netpolc/netpolc/emitters/kit"
)

// Files prints the objects as YAML files, one per object: tiers at
// calico/cluster/<name>.yaml, policies at calico/<namespace>/<name>.yaml,
// sorted by path. Each file starts with kit.Header and a
// "# from <origin>" line per intent that went into the object.
func Files(objs *calicoapi.Objects) ([]kit.File, error) {
	if objs == nil {
		return nil, nil
	}
	var (
		files []kit.File
		errs  []error
		seen  = map[string]bool{}
	)
	add := func(f kit.File, err error) {
		switch {
		case err != nil:
			errs = append(errs, err)
		case seen[f.Path]:
			errs = append(errs, fmt.Errorf("%w: two objects at %s", ErrInvalid, f.Path))
		default:
			seen[f.Path] = true
			files = append(files, f)
		}
	}
	for i := range objs.Tiers {
		t := objs.Tiers[i]
		t.APIVersion, t.Kind = calicoapi.APIVersion, calicoapi.KindTier
		add(file("cluster", t.Name, t.Annotations[OriginsAnnotation], &t))
	}
	for i := range objs.NetworkPolicies {
		np := objs.NetworkPolicies[i]
		np.APIVersion, np.Kind = calicoapi.APIVersion, calicoapi.KindNetworkPolicy
		if msgs := validation.IsDNS1123Label(np.Namespace); len(msgs) > 0 {
			errs = append(errs, fmt.Errorf("%w namespace %q of policy %q: %s", ErrInvalid, np.Namespace, np.Name, strings.Join(msgs, "; ")))
			continue
		}
		add(file(np.Namespace, np.Name, np.Annotations[OriginsAnnotation], &np))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	kit.SortFiles(files)
	return files, nil
}

// file prints one object into dir.
func file(dir, name, origins string, obj any) (kit.File, error) {
	if msgs := validation.IsDNS1123Subdomain(name); len(msgs) > 0 {
		return kit.File{}, fmt.Errorf("%w object name %q: %s", ErrInvalid, name, strings.Join(msgs, "; "))
	}
	y, err := kit.MarshalYAML(obj)
	if err != nil {
		return kit.File{}, fmt.Errorf("%s/%s: %w", dir, name, err)
	}
	var buf bytes.Buffer
	buf.WriteString(kit.Header + "\n")
	if origins != "" {
		for _, o := range strings.Split(origins, OriginsSeparator) {
			// A comment ends at a line break; keep a stray one inside it.
			o = strings.NewReplacer("\r", " ", "\n", " ").Replace(o)
			fmt.Fprintf(&buf, "# from %s\n", o)
		}
	}
	buf.Write(y)
	return kit.File{Path: path.Join(Name, dir, name+".yaml"), Data: buf.Bytes()}, nil
}
