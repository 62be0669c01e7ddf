package adminpolicy

import (
	"bytes"
	"errors"
	"fmt"
	"path"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/network-policy-api/apis/v1alpha1"
	"sigs.k8s.io/network-policy-api/apis/v1alpha2"

	"github.com/netpolc/netpolc/emitters/adminpolicy/adminapi"
	"github.com/netpolc/netpolc/emitters/kit"
)

// printed is an object without its status, which the API types would
// print as "status: {conditions: null}".
type printed struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              any `json:"spec"`
}

// Files prints the objects as YAML files, one per object, at
// adminpolicy/cluster/<name>.yaml (they are cluster-scoped), sorted by
// path. Each file starts with kit.Header and a "# from <origin>" line
// per intent that went into the object.
func Files(objs *adminapi.Objects) ([]kit.File, error) {
	if objs == nil {
		return nil, nil
	}
	var all []printed
	for _, c := range objs.ClusterNetworkPolicies {
		all = append(all, printed{metav1.TypeMeta{APIVersion: v1alpha2.GroupVersion.String(), Kind: "ClusterNetworkPolicy"}, c.ObjectMeta, c.Spec})
	}
	for _, a := range objs.AdminNetworkPolicies {
		all = append(all, printed{metav1.TypeMeta{APIVersion: v1alpha1.GroupVersion.String(), Kind: "AdminNetworkPolicy"}, a.ObjectMeta, a.Spec})
	}
	var (
		files []kit.File
		errs  []error
		seen  = map[string]bool{}
	)
	for i := range all {
		f, err := file(&all[i])
		switch {
		case err != nil:
			errs = append(errs, err)
		case seen[f.Path]:
			errs = append(errs, fmt.Errorf("%w: two objects named %s", ErrInvalid, all[i].Name))
		default:
			seen[f.Path] = true
			files = append(files, f)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	kit.SortFiles(files)
	return files, nil
}

func file(obj *printed) (kit.File, error) {
	if msgs := validation.IsDNS1123Subdomain(obj.Name); len(msgs) > 0 {
		return kit.File{}, fmt.Errorf("%w object name %q: %s", ErrInvalid, obj.Name, strings.Join(msgs, "; "))
	}
	y, err := kit.MarshalYAML(obj)
	if err != nil {
		return kit.File{}, fmt.Errorf("%s: %w", obj.Name, err)
	}
	var buf bytes.Buffer
	buf.WriteString(kit.Header + "\n")
	if origins := obj.Annotations[OriginsAnnotation]; origins != "" {
		for _, o := range strings.Split(origins, OriginsSeparator) {
			// A comment ends at a line break; keep a stray one inside it.
			o = strings.NewReplacer("\r", " ", "\n", " ").Replace(o)
			fmt.Fprintf(&buf, "# from %s\n", o)
		}
	}
	buf.Write(y)
	return kit.File{Path: path.Join(Name, "cluster", obj.Name+".yaml"), Data: buf.Bytes()}, nil
}
