package networkpolicy

import (
	"github.com/netpolc/netpolc/emitters/calico/calicoapi"
	"github.com/netpolc/netpolc/emitters/kit"
)

// Emitter is the networkpolicy target's emitter. Its objects are a
// []networkingv1.NetworkPolicy.
type Emitter struct{}

var _ kit.Emitter = Emitter{}

// Name is the target's name.
func (Emitter) Name() string { return Name }

// Doc says what the target emits.
func (Emitter) Doc() string { return "networking.k8s.io/v1 NetworkPolicy" }

// Options: whether Calico enforces the policies (for build --staged).
func (Emitter) Options() []kit.Option {
	return []kit.Option{{Name: OptionOnCalico, StagedOnly: true,
		Help: "networkpolicy target: Calico (3.30 or later) enforces the NetworkPolicies, so --staged writes them as StagedKubernetesNetworkPolicy"}}
}

// Emit renders the IR as NetworkPolicies. NetworkPolicy expresses the IR's
// allow rules exactly except FQDN peers, which AllowApproximate leaves out.
func (Emitter) Emit(in kit.Input) (*kit.Output, error) {
	res, err := build(in.Policy, in.Inventory, in.AllowApproximate)
	var out *kit.Output
	if err == nil && in.Settings.IsStaged() {
		var staged []calicoapi.StagedKubernetesNetworkPolicy
		staged, err = stage(res.pols, in.Settings[OptionOnCalico])
		out, err = kit.Emitted(staged, res.warns, err, stagedFiles)
	} else {
		out, err = kit.Emitted(res.pols, res.warns, err, Files)
	}
	if err != nil {
		return nil, err
	}
	out.Warnings = res.notes
	return out, nil
}
