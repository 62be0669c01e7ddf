package enforcer

import (
	"errors"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netpolc/netpolc/internal/ir"
)

// TestFromTieredPoliciesErrors: what the admin and baseline layers cannot
// hold is ErrInvalid, at the policy.
func TestFromTieredPoliciesErrors(t *testing.T) {
	admin := PolicyRef{Kind: "GlobalNetworkPolicy", Name: "a", Layer: LayerAdmin}
	base := admin
	base.Layer = LayerBaseline
	np := admin
	np.Layer = LayerNetworkPolicy
	podsOnly := networkingv1.NetworkPolicyPeer{PodSelector: &metav1.LabelSelector{}}
	tests := map[string]TieredPolicy{
		"NetworkPolicy layer":             {Ref: np},
		"Pass in the baseline":            {Ref: base, Rules: [2][]TieredRule{{{Action: ir.Pass}}}},
		"unknown action":                  {Ref: admin, Rules: [2][]TieredRule{{{Action: "Log"}}}},
		"pod peer without its namespaces": {Ref: admin, Rules: [2][]TieredRule{{{Action: ir.Deny, Peers: []networkingv1.NetworkPolicyPeer{podsOnly}}}}},
	}
	for name, tp := range tests {
		if _, err := FromTieredPolicies([]TieredPolicy{tp}); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: error %v, want ErrInvalid", name, err)
		}
	}
	ok := TieredPolicy{Ref: admin, Rules: [2][]TieredRule{{{Action: ir.Pass}}, {{Action: ir.Deny,
		Peers: []networkingv1.NetworkPolicyPeer{{NamespaceSelector: &metav1.LabelSelector{}}}}}}}
	if ps, err := FromTieredPolicies([]TieredPolicy{ok}); err != nil || ps.Len() != 1 {
		t.Errorf("a valid policy: %d policies, %v", ps.Len(), err)
	}
}
