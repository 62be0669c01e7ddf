package networkpolicy

import "github.com/netpolc/netpolc/emitters/kit"

// Emitter is the networkpolicy target's emitter. Its objects are a
// []networkingv1.NetworkPolicy.
type Emitter struct{}

var _ kit.Emitter = Emitter{}

// Name is the target's name.
func (Emitter) Name() string { return Name }

// Doc says what the target emits.
func (Emitter) Doc() string { return "networking.k8s.io/v1 NetworkPolicy" }

// Options: NetworkPolicy has none of its own.
func (Emitter) Options() []kit.Option { return nil }

// Emit renders the IR as NetworkPolicies. NetworkPolicy expresses the IR's
// allow rules exactly except FQDN peers, which AllowApproximate leaves out.
func (Emitter) Emit(in kit.Input) (*kit.Output, error) {
	res, err := build(in.Policy, in.Inventory, in.AllowApproximate)
	out, err := kit.Emitted(res.pols, res.warns, err, Files)
	if err != nil {
		return nil, err
	}
	out.Warnings = res.notes
	return out, nil
}
