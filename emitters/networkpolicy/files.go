package networkpolicy

import (
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/netpolc/netpolc/emitters/kit"
)

// Files prints policies as YAML files, one per policy, at
// networkpolicy/<namespace>/<name>.yaml, sorted by path. Each file starts
// with kit.Header and a "# from <origin>" line per intent that went into
// the policy.
func Files(pols []networkingv1.NetworkPolicy) ([]kit.File, error) {
	objs := make([]kit.Object, len(pols))
	for i := range pols {
		obj := &pols[i]
		if obj.TypeMeta != typeMeta {
			// A hand-made policy: print a copy with the kind set, leaving
			// the caller's alone. Build's policies have it already and
			// are printed where they are.
			c := *obj
			c.TypeMeta = typeMeta
			obj = &c
		}
		objs[i] = kit.Object{Namespace: obj.Namespace, Name: obj.Name, Value: obj, Origins: obj.Annotations[kit.OriginsAnnotation]}
	}
	return kit.ObjectFiles(Name, objs)
}
