package enforcer

import (
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/settings"
)

// Interpreter is the reading half of an output target: it reads the
// objects the target's emitter produced back with that enforcer's
// semantics, so that the build can prove they mean what the intents mean.
// It never sees the IR.
type Interpreter interface {
	// Interpret reads emitted objects (the emitter's Output.Objects).
	Interpret(objects any, in InterpretInput) (*Reading, error)
}

// InterpretInput is what an interpreter is given besides the objects.
type InterpretInput struct {
	// Inventory is the workloads the build proves over.
	Inventory inventory.Inventory
	// ExternalPeers are the reference model's external address ranges
	// ("ip:FIRST-LAST"), for interpreters that evaluate addresses
	// themselves, so their matrix compares name for name.
	ExternalPeers []string
	// Settings are the target's options (what the cluster runs, such as
	// its enforcer's version), for the interpreter to read the objects as
	// that cluster would.
	Settings settings.Settings
	// PodCIDRs are the cluster's pod networks when the intents declare
	// them (ir.Policy.PodCIDRs), for targets that match CIDRs against pod
	// addresses: a pod whose IP the inventory lacks has one inside them.
	PodCIDRs []string
}

// Reading is what an interpreter makes of a target's objects: either a
// policy set the model evaluates over the inventory, or, for targets
// evaluated on concrete addresses (nftables), the connectivity itself.
type Reading struct {
	Policies     Policies
	Connectivity *Connectivity
	// Inventory, when set, is the build's inventory as the target sees
	// it, to evaluate Policies over: the same endpoints (IDs) with the
	// labels and IPs the enforcer identifies them by (Cilium: identity
	// labels only, host-network pods as the node). Nil is
	// InterpretInput.Inventory.
	Inventory *inventory.Inventory
	// Reserved are endpoints the target's dataplane distinguishes that no
	// inventory holds (Cilium's reserved identities: host, remote-node,
	// health, ...), as Policies see them. NetworkPolicy leaves them to the
	// implementation, so the proof fails closed: Policies may allow them
	// no flow to or from an inventory endpoint beyond what the intents
	// allow everyone (Model.Everyone).
	Reserved []inventory.Endpoint
	// Placed, when set, is Inventory with the pods whose IPs the build
	// does not know placed inside the pod CIDRs (at an address of every
	// piece the policies' CIDRs tell apart), for targets whose CIDRs match
	// pod addresses (Calico's nets). The reference does not know those
	// addresses, so over Placed the proof fails only where Policies allow
	// a flow the intents do not: a CIDR rule would let such a pod through.
	Placed *inventory.Inventory
}
