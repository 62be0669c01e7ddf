package cilium

import (
	"bytes"
	"errors"
	"fmt"
	"path"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/netpolc/netpolc/emitters/cilium/ciliumapi"
	"github.com/netpolc/netpolc/emitters/kit"
)

// Files prints policies as YAML files, one per policy, at
// cilium/<namespace>/<name>.yaml (cilium/cluster/<name>.yaml for a
// clusterwide policy), sorted by path. Each file starts with
// kit.Header and a "# from <origin>" line per intent that went into
// the policy.
func Files(pols []ciliumapi.CiliumNetworkPolicy) ([]kit.File, error) {
	var (
		files []kit.File
		errs  []error
		seen  = map[string]bool{}
	)
	for i := range pols {
		f, err := file(&pols[i])
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if seen[f.Path] {
			errs = append(errs, fmt.Errorf("%w: two policies named %s/%s", ErrInvalid, pols[i].Namespace, pols[i].Name))
			continue
		}
		seen[f.Path] = true
		files = append(files, f)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	kit.SortFiles(files)
	return files, nil
}

// file prints one policy.
func file(pol *ciliumapi.CiliumNetworkPolicy) (kit.File, error) {
	obj := *pol
	obj.TypeMeta.APIVersion = ciliumapi.APIVersion
	obj.Kind = ciliumapi.Kind
	dir := pol.Namespace
	if dir == "" {
		obj.Kind, dir = ciliumapi.KindClusterwide, "cluster"
	} else if msgs := validation.IsDNS1123Label(dir); len(msgs) > 0 {
		return kit.File{}, fmt.Errorf("%w namespace %q of policy %q: %s", ErrInvalid, dir, pol.Name, strings.Join(msgs, "; "))
	}
	if msgs := validation.IsDNS1123Subdomain(pol.Name); len(msgs) > 0 {
		return kit.File{}, fmt.Errorf("%w policy name %q: %s", ErrInvalid, pol.Name, strings.Join(msgs, "; "))
	}
	y, err := kit.MarshalYAML(&obj)
	if err != nil {
		return kit.File{}, fmt.Errorf("policy %s/%s: %w", pol.Namespace, pol.Name, err)
	}
	var buf bytes.Buffer
	buf.WriteString(kit.Header + "\n")
	writeOrigins(&buf, pol.Annotations[OriginsAnnotation])
	buf.Write(y)
	return kit.File{Path: path.Join(Name, dir, pol.Name+".yaml"), Data: buf.Bytes()}, nil
}

// writeOrigins writes a "# from" comment line per origin.
func writeOrigins(buf *bytes.Buffer, origins string) {
	if origins == "" {
		return
	}
	for _, o := range strings.Split(origins, OriginsSeparator) {
		// A comment ends at a line break; keep a stray one inside it.
		o = strings.NewReplacer("\r", " ", "\n", " ").Replace(o)
		fmt.Fprintf(buf, "# from %s\n", o)
	}
}
