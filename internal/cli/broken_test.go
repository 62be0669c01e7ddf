package cli

import (
	"strings"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/emitters/networkpolicy"
	"github.com/netpolc/netpolc/enforcer"
)

// brokenTarget is the networkpolicy emitter under another name, paired
// with an interpreter that has a bug: it reads every policy as admitting
// everything in. The script test runs the command line with it
// (netpolc-broken) to show how a failed proof prints.
type brokenTarget struct {
	networkpolicy.Emitter
	wideReader
}

// Name is the broken target's name and output folder.
func (brokenTarget) Name() string { return "broken" }

// Emit is the networkpolicy emitter's, its files moved to the broken
// target's own folder so that the build lays them out and stages them
// before the proof fails.
func (b brokenTarget) Emit(in kit.Input) (*kit.Output, error) {
	out, err := b.Emitter.Emit(in)
	if err != nil {
		return nil, err
	}
	for i, f := range out.Files {
		out.Files[i].Path = "broken/" + strings.TrimPrefix(f.Path, networkpolicy.Name+"/")
	}
	return out, nil
}

// Options: none (the networkpolicy target's own are its flags already).
func (brokenTarget) Options() []kit.Option { return nil }

// wideReader is the interpreter's bug.
type wideReader struct{}

func (wideReader) Interpret(objects any, _ enforcer.InterpretInput) (*enforcer.Reading, error) {
	pols := objects.([]networkingv1.NetworkPolicy)
	for i := range pols {
		pols[i].Spec.Ingress = []networkingv1.NetworkPolicyIngressRule{{}}
	}
	ps, err := enforcer.FromNetworkPolicies(enforcer.WithoutSource(pols))
	return &enforcer.Reading{Policies: ps}, err
}
