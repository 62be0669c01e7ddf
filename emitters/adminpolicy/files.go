package adminpolicy

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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
	var all []kit.Object
	add := func(tm metav1.TypeMeta, meta metav1.ObjectMeta, spec any) {
		all = append(all, kit.Object{Name: meta.Name, Value: &printed{tm, meta, spec}, Origins: meta.Annotations[kit.OriginsAnnotation]})
	}
	for _, c := range objs.ClusterNetworkPolicies {
		add(metav1.TypeMeta{APIVersion: v1alpha2.GroupVersion.String(), Kind: "ClusterNetworkPolicy"}, c.ObjectMeta, c.Spec)
	}
	for _, a := range objs.AdminNetworkPolicies {
		add(metav1.TypeMeta{APIVersion: v1alpha1.GroupVersion.String(), Kind: "AdminNetworkPolicy"}, a.ObjectMeta, a.Spec)
	}
	if banp := objs.BaselineAdminNetworkPolicy; banp != nil {
		add(metav1.TypeMeta{APIVersion: v1alpha1.GroupVersion.String(), Kind: "BaselineAdminNetworkPolicy"}, banp.ObjectMeta, banp.Spec)
	}
	return kit.ObjectFiles(targetName, all)
}
