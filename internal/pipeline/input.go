package pipeline

import (
	"errors"
	"fmt"

	"github.com/netpolc/netpolc/compiler"
	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/manifests"
)

// Input is what to evaluate. At least one of the fields is set.
type Input struct {
	// Intents are compiled intents: their policies are evaluated, and
	// their declared workloads are the inventory unless Manifests is set.
	Intents *compiler.Result
	// Manifests are real workloads and any policies they contain.
	Manifests *manifests.Set
	// Controllers map the manifests' ingress controller keys ("ingress/nginx",
	// "route", "gateway/NS/NAME", "*" for the rest) to the workloads that
	// are those controllers; an unmapped one is "{ingress-controller}"
	// (enforcer.WithEdge).
	Controllers map[string]string
}

// Empty reports whether the input holds nothing to evaluate.
func (in Input) Empty() bool { return in.Intents == nil && in.Manifests == nil }

// Model builds the evaluation model for an input. With both intents and
// manifests, the intents' policies are evaluated over the manifests'
// workloads together with the manifests' own policies: "what would these
// intents do to this cluster".
func (in Input) Model() (*enforcer.Model, error) { return in.ModelWith() }

// ModelWith is Model with extra policies evaluated alongside the input's
// (the diff's anchor that splits the address space alike on both sides).
func (in Input) ModelWith(extra ...enforcer.Policies) (*enforcer.Model, error) {
	sets := extra
	inv := in.Inventory()
	if in.Intents != nil {
		pols, err := enforcer.FromIR(in.Intents.Policy)
		if err != nil {
			return nil, err
		}
		sets = append(sets, pols)
	}
	if in.Manifests != nil {
		pols, err := manifestPolicies(in.Manifests)
		if err != nil {
			return nil, err
		}
		sets = append(sets, pols)
	}
	var opts []enforcer.Option
	if in.Manifests != nil {
		opts = append(opts, enforcer.WithEdge(in.Manifests.Edge, in.Controllers))
	}
	return enforcer.New(inv, enforcer.Join(sets...), opts...)
}

// Inventory is the workloads the input is evaluated over: the manifests'
// when given, else the intents' declared ones (with the cluster DNS).
func (in Input) Inventory() (inv inventory.Inventory) {
	if in.Manifests != nil {
		return in.Manifests.Inventory
	}
	if in.Intents != nil {
		return enforcer.IntentsInventory(in.Intents.Policy)
	}
	return inv
}

// manifestPolicies converts every policy object of a manifests set.
func manifestPolicies(s *manifests.Set) (enforcer.Policies, error) {
	nps := make([]enforcer.SourcedNetworkPolicy, len(s.NetworkPolicies))
	for i, np := range s.NetworkPolicies {
		nps[i] = enforcer.SourcedNetworkPolicy(np)
	}
	cnps := make([]enforcer.SourcedClusterNetworkPolicy, len(s.ClusterNetworkPolicies))
	for i, p := range s.ClusterNetworkPolicies {
		cnps[i] = enforcer.SourcedClusterNetworkPolicy(p)
	}
	anps := make([]enforcer.SourcedAdminNetworkPolicy, len(s.AdminNetworkPolicies))
	for i, p := range s.AdminNetworkPolicies {
		anps[i] = enforcer.SourcedAdminNetworkPolicy(p)
	}
	banps := make([]enforcer.SourcedBaselineAdminNetworkPolicy, len(s.BaselineAdminNetworkPolicies))
	for i, p := range s.BaselineAdminNetworkPolicies {
		banps[i] = enforcer.SourcedBaselineAdminNetworkPolicy(p)
	}
	var all []enforcer.Policies
	var errs []error
	for _, f := range []func() (enforcer.Policies, error){
		func() (enforcer.Policies, error) { return enforcer.FromNetworkPolicies(nps) },
		func() (enforcer.Policies, error) { return enforcer.FromClusterNetworkPolicies(cnps) },
		func() (enforcer.Policies, error) { return enforcer.FromAdminNetworkPolicies(anps) },
		func() (enforcer.Policies, error) { return enforcer.FromBaselineAdminNetworkPolicies(banps) },
	} {
		p, err := f()
		errs = append(errs, err)
		all = append(all, p)
	}
	return enforcer.Join(all...), errors.Join(errs...)
}

// NoWorkloadsNote explains an answer that would otherwise be silently
// empty: the manifests hold policies but no workloads (and no intents
// declare any), so no connection has anyone to connect. "" otherwise.
func (in Input) NoWorkloadsNote() string {
	m := in.Manifests
	if m == nil || len(m.Inventory.Endpoints) > 0 {
		return ""
	}
	n := len(m.NetworkPolicies) + len(m.ClusterNetworkPolicies) + len(m.AdminNetworkPolicies) + len(m.BaselineAdminNetworkPolicies)
	if n == 0 && in.Intents == nil {
		return ""
	}
	what := fmt.Sprintf("the manifests hold %d polic(ies) but no workloads", n)
	if in.Intents != nil {
		what = "the intents are evaluated over the manifests' workloads, and the manifests hold none"
	}
	return what + ": there is nothing for a connection to connect, so every answer is empty. " +
		"Give workloads: a cluster dump (kubectl get namespaces,deployments,statefulsets,daemonsets,pods -A -o yaml > cluster.yaml; " +
		"--manifests cluster.yaml), the inventory a build uses (the same YAML), or the intents that declare them (DIR)"
}
