// Package networkpolicy interprets emitted Kubernetes NetworkPolicies: the
// evaluation model's own NetworkPolicy semantics (enforcer.
// FromNetworkPolicies) read them back, so the networkpolicy target is
// proven like every other one.
package networkpolicy

import (
	"fmt"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/netpolc/netpolc/emitters/calico/calicoapi"
	"github.com/netpolc/netpolc/enforcer"
)

// enforced reads staged policies as the NetworkPolicies they stage:
// Calico copies a StagedKubernetesNetworkPolicy's spec into the
// NetworkPolicy it enforces for stagedAction Set
// (projectcalico/calico v3.32.1,
// api/pkg/apis/projectcalico/v3/stagedkubernetesnetworkpolicy.go,
// ConvertStagedKubernetesPolicyToK8SEnforced); other actions stage no
// policy and are refused.
func enforced(staged []calicoapi.StagedKubernetesNetworkPolicy) ([]networkingv1.NetworkPolicy, error) {
	out := make([]networkingv1.NetworkPolicy, len(staged))
	for i, s := range staged {
		if s.Spec.StagedAction != "" && s.Spec.StagedAction != calicoapi.StagedActionSet {
			return nil, fmt.Errorf("%w: %s %s/%s: stagedAction %s", enforcer.ErrUnsupported, calicoapi.KindStagedKubernetesNetworkPolicy, s.Namespace, s.Name, s.Spec.StagedAction)
		}
		out[i] = networkingv1.NetworkPolicy{ObjectMeta: s.ObjectMeta, Spec: networkingv1.NetworkPolicySpec{
			PodSelector: s.Spec.PodSelector, Ingress: s.Spec.Ingress, Egress: s.Spec.Egress, PolicyTypes: s.Spec.PolicyTypes}}
	}
	return out, nil
}

// Interpreter reads a []networkingv1.NetworkPolicy.
type Interpreter struct{}

var _ enforcer.Interpreter = Interpreter{}

// Interpret reads NetworkPolicies into the model's policies; with
// --staged (settings.Staged), Calico's StagedKubernetesNetworkPolicies as
// the NetworkPolicies they stage.
func (Interpreter) Interpret(objects any, in enforcer.InterpretInput) (*enforcer.Reading, error) {
	var pols []networkingv1.NetworkPolicy
	switch objs := objects.(type) {
	case []networkingv1.NetworkPolicy:
		if in.Settings.IsStaged() {
			return nil, fmt.Errorf("%w: networkpolicy interpreter: a staged build holds %d enforcing NetworkPolicies", enforcer.ErrInvalid, len(objs))
		}
		pols = objs
	case []calicoapi.StagedKubernetesNetworkPolicy:
		if !in.Settings.IsStaged() {
			return nil, fmt.Errorf("%w: networkpolicy interpreter: %d staged policies enforce nothing (read them with --staged)", enforcer.ErrUnsupported, len(objs))
		}
		var err error
		if pols, err = enforced(objs); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("networkpolicy interpreter: got %T, want []NetworkPolicy", objects)
	}
	ps, err := enforcer.FromNetworkPolicies(enforcer.WithoutSource(pols))
	if err != nil {
		return nil, err
	}
	return &enforcer.Reading{Policies: ps}, nil
}
