package networkpolicy

import (
	"bytes"
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/netpolc/netpolc/emitters"
	"github.com/netpolc/netpolc/internal/par"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
)

// Dir is the output folder of this target, relative to the output directory.
const Dir = "networkpolicy"

// Files prints policies as YAML files, one per policy, at
// networkpolicy/<namespace>/<name>.yaml, sorted by path. Each file starts
// with emitters.Header and a "# from <origin>" line per intent that went into
// the policy.
func Files(pols []networkingv1.NetworkPolicy) ([]emitters.File, error) {
	var (
		files []emitters.File
		errs  []located
		seen  = map[string]bool{}
	)
	// Printing is the costly part at thousands of policies: do it on
	// every CPU, then check and collect in order.
	printed := make([]emitters.File, len(pols))
	perr := make([]error, len(pols))
	par.For(len(pols), func(i int) { printed[i], perr[i] = file(&pols[i]) })
	for i := range pols {
		f, err := printed[i], perr[i]
		if err != nil {
			errs = append(errs, located{err: err})
			continue
		}
		if seen[f.Path] {
			errs = append(errs, located{err: fmt.Errorf("%w: two policies named %s/%s", ErrInvalid, pols[i].Namespace, pols[i].Name)})
			continue
		}
		seen[f.Path] = true
		files = append(files, f)
	}
	if len(errs) > 0 {
		return nil, joinSorted(errs)
	}
	emitters.SortFiles(files)
	return files, nil
}

// file prints one policy.
func file(pol *networkingv1.NetworkPolicy) (emitters.File, error) {
	// The name and namespace become path elements: check them even though
	// Build already did, since Files also takes hand-made policies.
	var errs []error
	if msgs := validation.IsDNS1123Label(pol.Namespace); len(msgs) > 0 {
		errs = append(errs, fmt.Errorf("%w namespace %q of policy %q: %s", ErrInvalid, pol.Namespace, pol.Name, strings.Join(msgs, "; ")))
	}
	if msgs := validation.IsDNS1123Subdomain(pol.Name); len(msgs) > 0 {
		errs = append(errs, fmt.Errorf("%w policy name %q: %s", ErrInvalid, pol.Name, strings.Join(msgs, "; ")))
	}
	if err := errors.Join(errs...); err != nil {
		return emitters.File{}, err
	}
	obj := *pol
	obj.TypeMeta = metav1.TypeMeta{APIVersion: networkingv1.SchemeGroupVersion.String(), Kind: "NetworkPolicy"}
	y, err := emitters.MarshalYAML(&obj)
	if err != nil {
		return emitters.File{}, fmt.Errorf("policy %s/%s: %w", pol.Namespace, pol.Name, err)
	}
	var buf bytes.Buffer
	buf.WriteString(emitters.Header + "\n")
	if origins := pol.Annotations[OriginsAnnotation]; origins != "" {
		for _, o := range strings.Split(origins, OriginsSeparator) {
			// A comment ends at a line break; keep a stray one inside it.
			o = strings.NewReplacer("\r", " ", "\n", " ").Replace(o)
			fmt.Fprintf(&buf, "# from %s\n", o)
		}
	}
	buf.Write(y)
	return emitters.File{Path: path.Join(Dir, pol.Namespace, pol.Name+".yaml"), Data: buf.Bytes()}, nil
}
