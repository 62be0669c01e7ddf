package cilium

import "github.com/netpolc/netpolc/emitters/kit"

// Name is the target's name and output folder.
const Name = "cilium"

// OptionNamedPortsPerDestination declares a Cilium that resolves egress
// named ports per destination, as NetworkPolicy does.
const OptionNamedPortsPerDestination = "cilium-named-ports-per-destination"

// Emitter is the cilium target's emitter. Its objects are a
// []ciliumapi.CiliumNetworkPolicy.
type Emitter struct{}

var _ kit.Emitter = Emitter{}

// Name is the target's name.
func (Emitter) Name() string { return Name }

// Doc says what the target emits.
func (Emitter) Doc() string { return "cilium.io/v2 CiliumNetworkPolicy" }

// Options are the Cilium version's behaviours the output depends on.
func (Emitter) Options() []kit.Option {
	return []kit.Option{{Name: OptionNamedPortsPerDestination,
		Help: "cilium target: the cluster's Cilium resolves egress named ports per destination (as NetworkPolicy does), so they need no extra checks"}}
}

// Emit renders the IR as CiliumNetworkPolicies.
func (Emitter) Emit(in kit.Input) (*kit.Output, error) {
	pols, warns, err := Build(in.Policy, Options{
		Inventory:                      in.Inventory,
		AllowApproximate:               in.AllowApproximate,
		EgressNamedPortsPerDestination: in.Settings[OptionNamedPortsPerDestination],
	})
	if err != nil {
		return nil, err
	}
	files, err := Files(pols)
	if err != nil {
		return nil, err
	}
	return &kit.Output{Files: files, Objects: pols, Narrowed: warns}, nil
}
