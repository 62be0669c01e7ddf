package pipeline

import (
	"github.com/netpolc/netpolc/compiler"
	"github.com/netpolc/netpolc/emitters"
	"github.com/netpolc/netpolc/emitters/adminpolicy"
	"github.com/netpolc/netpolc/emitters/calico"
	"github.com/netpolc/netpolc/emitters/cilium"
	"github.com/netpolc/netpolc/emitters/networkpolicy"
	"github.com/netpolc/netpolc/emitters/nftables"
	"github.com/netpolc/netpolc/enforcer"
	calicoi "github.com/netpolc/netpolc/enforcer/calico"
	ciliumi "github.com/netpolc/netpolc/enforcer/cilium"
	"github.com/netpolc/netpolc/enforcer/nft"
	"github.com/netpolc/netpolc/internal/evaluate"
)

// emitted is one target's output: its files, the policy set the target's
// interpreter reads back from the emitted objects (not from the IR), and
// the rules the emitter narrowed under AllowApproximate.
type emitted struct {
	files    []emitters.File
	policies enforcer.Policies
	// conn replaces policies for a target whose interpreter evaluates
	// concrete addresses (nftables).
	conn     *enforcer.Connectivity
	narrowed []emitters.Warning
}

// emitters maps each target to its emitter and interpreter.
var targetEmitters = map[Target]func(*compiler.Result, *evaluate.Reference, Options) (emitted, error){
	NetworkPolicy: emitNetworkPolicy,
	Cilium:        emitCilium,
	Calico:        emitCalico,
	AdminPolicy:   emitAdminPolicy,
	NFTables:      emitNFTables,
}

func emitNetworkPolicy(res *compiler.Result, _ *evaluate.Reference, _ Options) (emitted, error) {
	pols, err := networkpolicy.Build(res.Policy)
	if err != nil {
		return emitted{}, err
	}
	files, err := networkpolicy.Files(pols)
	if err != nil {
		return emitted{}, err
	}
	ps, err := enforcer.FromNetworkPolicies(enforcer.WithoutSource(pols))
	return emitted{files: files, policies: ps}, err
}

func emitCilium(res *compiler.Result, _ *evaluate.Reference, opts Options) (emitted, error) {
	objs, warns, err := cilium.Build(res.Policy, cilium.Options{
		AllowApproximate:               opts.AllowApproximate,
		EgressNamedPortsPerDestination: opts.CiliumNamedPortsPerDestination,
	})
	if err != nil {
		return emitted{}, err
	}
	files, err := cilium.Files(objs)
	if err != nil {
		return emitted{}, err
	}
	ps, err := ciliumi.Interpret(objs)
	return emitted{files: files, policies: ps, narrowed: warns}, err
}

func emitCalico(res *compiler.Result, _ *evaluate.Reference, opts Options) (emitted, error) {
	objs, warns, err := calico.Build(res.Policy, calico.Options{AllowApproximate: opts.AllowApproximate})
	if err != nil {
		return emitted{}, err
	}
	files, err := calico.Files(objs)
	if err != nil {
		return emitted{}, err
	}
	ps, err := calicoi.Interpret(objs)
	return emitted{files: files, policies: ps, narrowed: warns}, err
}

func emitAdminPolicy(res *compiler.Result, _ *evaluate.Reference, opts Options) (emitted, error) {
	objs, warns, err := adminpolicy.Build(res.Policy, adminpolicy.Options{
		V1Alpha1: opts.AdminV1Alpha1, AllowApproximate: opts.AllowApproximate,
	})
	if err != nil {
		return emitted{}, err
	}
	files, err := adminpolicy.Files(objs)
	if err != nil {
		return emitted{}, err
	}
	ps, err := adminpolicy.Policies(objs)
	return emitted{files: files, policies: ps, narrowed: warns}, err
}

// emitNFTables renders a ruleset for the concrete pod IPs of the
// inventory and evaluates the emitted ruleset for every pair of endpoints.
func emitNFTables(res *compiler.Result, ref *evaluate.Reference, _ Options) (emitted, error) {
	rs, err := nftables.Build(res.Policy, ref.Inventory)
	if err != nil {
		return emitted{}, err
	}
	conn, err := nft.Interpret(rs, ref.Inventory, nft.WithExternalPeers(ref.Model.ExternalPeers()...))
	return emitted{files: nftables.Files(rs), conn: conn}, err
}
