// Package networkpolicy interprets emitted Kubernetes NetworkPolicies: the
// evaluation model's own NetworkPolicy semantics (enforcer.
// FromNetworkPolicies) read them back, so the networkpolicy target is
// proven like every other one.
package networkpolicy

import (
	"fmt"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/netpolc/netpolc/enforcer"
)

// Interpreter reads a []networkingv1.NetworkPolicy.
type Interpreter struct{}

var _ enforcer.Interpreter = Interpreter{}

// Interpret reads NetworkPolicies into the model's policies.
func (Interpreter) Interpret(objects any, _ enforcer.InterpretInput) (*enforcer.Reading, error) {
	pols, ok := objects.([]networkingv1.NetworkPolicy)
	if !ok {
		return nil, fmt.Errorf("networkpolicy interpreter: got %T, want []NetworkPolicy", objects)
	}
	ps, err := enforcer.FromNetworkPolicies(enforcer.WithoutSource(pols))
	if err != nil {
		return nil, err
	}
	return &enforcer.Reading{Policies: ps}, nil
}
