package networkpolicy

import (
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netpolc/netpolc/emitters/calico/calicoapi"
	"github.com/netpolc/netpolc/emitters/kit"
)

// OptionOnCalico is the networkpolicy option that says Calico enforces
// the NetworkPolicies: build --staged then writes them as Calico's
// StagedKubernetesNetworkPolicy.
const OptionOnCalico = "networkpolicy-on-calico"

// stagedTypeMeta is the staged policies' kind.
var stagedTypeMeta = metav1.TypeMeta{APIVersion: calicoapi.APIVersion, Kind: calicoapi.KindStagedKubernetesNetworkPolicy}

// stage turns the policies into their staged form for a Calico cluster
// (projectcalico/calico v3.32.1,
// api/pkg/apis/projectcalico/v3/stagedkubernetesnetworkpolicy.go: the
// NetworkPolicy spec's fields plus stagedAction, Set staging the policy
// itself). NetworkPolicy alone has no staged form: on another cluster,
// or without --networkpolicy-on-calico, it refuses.
func stage(pols []networkingv1.NetworkPolicy, onCalico bool) ([]calicoapi.StagedKubernetesNetworkPolicy, error) {
	if !onCalico {
		return nil, kit.NoStagedForm(Name, "networking.k8s.io/v1 NetworkPolicy has no staged or audit form; "+
			"on a Calico (3.30 or later) cluster, --"+OptionOnCalico+" writes StagedKubernetesNetworkPolicy instead")
	}
	out := make([]calicoapi.StagedKubernetesNetworkPolicy, len(pols))
	for i, p := range pols {
		out[i] = calicoapi.StagedKubernetesNetworkPolicy{ObjectMeta: p.ObjectMeta, Spec: calicoapi.StagedKubernetesNetworkPolicySpec{
			StagedAction: calicoapi.StagedActionSet, PodSelector: p.Spec.PodSelector,
			Ingress: p.Spec.Ingress, Egress: p.Spec.Egress, PolicyTypes: p.Spec.PolicyTypes}}
	}
	return out, nil
}

// stagedFiles prints staged policies as Files prints policies.
func stagedFiles(pols []calicoapi.StagedKubernetesNetworkPolicy) ([]kit.File, error) {
	objs := make([]kit.Object, len(pols))
	for i := range pols {
		obj := pols[i]
		obj.TypeMeta = stagedTypeMeta
		objs[i] = kit.Object{Namespace: obj.Namespace, Name: obj.Name, Value: &obj, Origins: obj.Annotations[kit.OriginsAnnotation]}
	}
	return kit.ObjectFiles(Name, objs)
}
