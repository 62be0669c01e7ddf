package cilium

import (
	"github.com/netpolc/netpolc/emitters/cilium/ciliumapi"
	"github.com/netpolc/netpolc/emitters/kit"
)

// files prints policies as YAML files, one per policy, at
// cilium/<namespace>/<name>.yaml (cilium/cluster/<name>.yaml for a
// clusterwide policy, one without a namespace), sorted by path. Each file
// starts with kit.Header and a "# from <origin>" line per intent that
// went into the policy.
func files(pols []ciliumapi.CiliumNetworkPolicy) ([]kit.File, error) {
	objs := make([]kit.Object, len(pols))
	for i := range pols {
		obj := pols[i]
		obj.APIVersion, obj.Kind = ciliumapi.APIVersion, ciliumapi.Kind
		if obj.Namespace == "" {
			obj.Kind = ciliumapi.KindClusterwide
		}
		objs[i] = kit.Object{Namespace: obj.Namespace, Name: obj.Name, Value: &obj, Origins: obj.Annotations[kit.OriginsAnnotation]}
	}
	return kit.ObjectFiles(targetName, objs)
}
