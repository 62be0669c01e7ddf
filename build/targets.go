package build

import (
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/netpolc/netpolc/compiler"
	"github.com/netpolc/netpolc/compiler/ir"
	"github.com/netpolc/netpolc/emitters"
	"github.com/netpolc/netpolc/emitters/adminpolicy"
	"github.com/netpolc/netpolc/emitters/calico"
	"github.com/netpolc/netpolc/emitters/cilium"
	"github.com/netpolc/netpolc/emitters/networkpolicy"
	"github.com/netpolc/netpolc/enforcer"
	calicoi "github.com/netpolc/netpolc/enforcer/calico"
	ciliumi "github.com/netpolc/netpolc/enforcer/cilium"
)

// emitted is one target's output: its files, the policy set the target's
// interpreter reads back from the emitted objects (not from the IR), and
// the rules the emitter narrowed under AllowApproximate.
type emitted struct {
	files    []emitters.File
	policies enforcer.Policies
	narrowed []narrowing
}

// narrowing is a rule a target could only express more narrowly.
type narrowing struct {
	origin ir.Origin
	msg    string
}

// emitters maps each target to its emitter and interpreter.
var targetEmitters = map[Target]func(*compiler.Result, Options) (emitted, error){
	NetworkPolicy: emitNetworkPolicy,
	Cilium:        emitCilium,
	Calico:        emitCalico,
	AdminPolicy:   emitAdminPolicy,
}

func emitNetworkPolicy(res *compiler.Result, _ Options) (emitted, error) {
	pols, err := networkpolicy.Build(res.Policy)
	if err != nil {
		return emitted{}, err
	}
	files, err := networkpolicy.Files(pols)
	if err != nil {
		return emitted{}, err
	}
	ps, err := enforcer.FromNetworkPolicies(sourced(pols))
	return emitted{files: files, policies: ps}, err
}

func sourced(pols []networkingv1.NetworkPolicy) []enforcer.SourcedNetworkPolicy {
	out := make([]enforcer.SourcedNetworkPolicy, len(pols))
	for i := range pols {
		out[i].NetworkPolicy = pols[i]
	}
	return out
}

func emitCilium(res *compiler.Result, opts Options) (emitted, error) {
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
	out := emitted{files: files, policies: ps}
	for _, w := range warns {
		out.narrowed = append(out.narrowed, narrowing{w.Origin, w.Message})
	}
	return out, err
}

func emitCalico(res *compiler.Result, opts Options) (emitted, error) {
	objs, warns, err := calico.Build(res.Policy, calico.Options{AllowApproximate: opts.AllowApproximate})
	if err != nil {
		return emitted{}, err
	}
	files, err := calico.Files(objs)
	if err != nil {
		return emitted{}, err
	}
	ps, err := calicoi.Interpret(objs)
	out := emitted{files: files, policies: ps}
	for _, w := range warns {
		out.narrowed = append(out.narrowed, narrowing{w.Origin, w.Message})
	}
	return out, err
}

func emitAdminPolicy(res *compiler.Result, opts Options) (emitted, error) {
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
	out := emitted{files: files, policies: ps}
	for _, w := range warns {
		out.narrowed = append(out.narrowed, narrowing{w.Origin, w.Message})
	}
	return out, err
}
