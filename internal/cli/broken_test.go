package cli

import (
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
