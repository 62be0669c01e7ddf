package calico

import (
	"fmt"

	"github.com/netpolc/netpolc/emitters/calico/calicoapi"
	"github.com/netpolc/netpolc/emitters/kit"
)

// files prints the objects as YAML files, one per object: tiers
// and GlobalNetworkPolicies (cluster-scoped) at calico/cluster/<name>.yaml, policies at
// calico/<namespace>/<name>.yaml, sorted by path. Each file starts with
// kit.Header and a "# from <origin>" line per intent that went into the
// object.
func files(objs *calicoapi.Objects) ([]kit.File, error) {
	if objs == nil {
		return nil, nil
	}
	var out []kit.Object
	errs := kit.NewErrors(targetName)
	for i := range objs.Tiers {
		t := objs.Tiers[i]
		t.APIVersion, t.Kind = calicoapi.APIVersion, calicoapi.KindTier
		out = append(out, kit.Object{Name: t.Name, Value: &t, Origins: t.Annotations[kit.OriginsAnnotation]})
	}
	for i := range objs.NetworkPolicies {
		np := objs.NetworkPolicies[i]
		np.APIVersion, np.Kind = calicoapi.APIVersion, calicoapi.KindNetworkPolicy
		if np.Namespace == "" {
			// A Calico NetworkPolicy is namespaced: without one it is not
			// a cluster-scoped object (that is GlobalNetworkPolicy).
			errs.Add(fmt.Errorf("%w policy %q: a NetworkPolicy needs a namespace", kit.ErrInvalid, np.Name))
			continue
		}
		out = append(out, kit.Object{Namespace: np.Namespace, Name: np.Name, Value: &np, Origins: np.Annotations[kit.OriginsAnnotation]})
	}
	for i := range objs.GlobalNetworkPolicies {
		g := objs.GlobalNetworkPolicies[i]
		g.APIVersion, g.Kind = calicoapi.APIVersion, calicoapi.KindGlobalNetworkPolicy
		out = append(out, kit.Object{Name: g.Name, Value: &g, Origins: g.Annotations[kit.OriginsAnnotation]})
	}
	for i := range objs.StagedNetworkPolicies {
		np := objs.StagedNetworkPolicies[i]
		np.APIVersion, np.Kind = calicoapi.APIVersion, calicoapi.KindStagedNetworkPolicy
		out = append(out, kit.Object{Namespace: np.Namespace, Name: np.Name, Value: &np, Origins: np.Annotations[kit.OriginsAnnotation]})
	}
	for i := range objs.StagedGlobalNetworkPolicies {
		g := objs.StagedGlobalNetworkPolicies[i]
		g.APIVersion, g.Kind = calicoapi.APIVersion, calicoapi.KindStagedGlobalNetworkPolicy
		out = append(out, kit.Object{Name: g.Name, Value: &g, Origins: g.Annotations[kit.OriginsAnnotation]})
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return kit.ObjectFiles(targetName, out)
}
