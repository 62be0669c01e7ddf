// Package evaluate assembles the evaluation model (package enforcer) from
// what a user has: compiled intents, Kubernetes manifests, or both, and
// proves that emitted NetworkPolicies mean exactly what the intents mean.
package evaluate

import (
	"errors"
	"fmt"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/netpolc/netpolc/compiler"
	"github.com/netpolc/netpolc/compiler/ir"
	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/inventory"
	"github.com/netpolc/netpolc/manifests"
)

// Input is what to evaluate. At least one of the fields is set.
type Input struct {
	// Intents are compiled intents: their policies are evaluated, and
	// their declared workloads are the inventory unless Manifests is set.
	Intents *compiler.Result
	// Manifests are real workloads and any policies they contain.
	Manifests *manifests.Set
}

// Model builds the evaluation model for an input. With both intents and
// manifests, the intents' policies are evaluated over the manifests'
// workloads together with the manifests' own policies: "what would these
// intents do to this cluster".
func Model(in Input) (*enforcer.Model, error) {
	var sets []enforcer.Policies
	inv := in.inventory()
	if in.Intents != nil {
		pols, err := enforcer.FromIR(in.Intents.Policy)
		if err != nil {
			return nil, fmt.Errorf("intents: %w", err)
		}
		sets = append(sets, pols)
	}
	if in.Manifests != nil {
		pols, err := ManifestPolicies(in.Manifests)
		if err != nil {
			return nil, err
		}
		sets = append(sets, pols)
	}
	return enforcer.New(inv, enforcer.Join(sets...))
}

func (in Input) inventory() (inv inventory.Inventory) {
	if in.Manifests != nil {
		return in.Manifests.Inventory
	}
	if in.Intents != nil {
		return IntentsInventory(in.Intents.Policy)
	}
	return inv
}

// IntentsInventory is the intents' declared workloads plus the cluster DNS
// (unless a declared workload already is it), so DNS rules show in the
// matrix and are covered by the equivalence check.
func IntentsInventory(p *ir.Policy) inventory.Inventory {
	inv := enforcer.InventoryFromIR(p)
	if p.DNS.Namespaces == nil || p.DNS.Pods == nil {
		return inv
	}
	ns := p.DNS.Namespaces.MatchLabels[inventory.MetadataNameLabel]
	dnsLabels := labels.Set(p.DNS.Pods.MatchLabels)
	for _, ep := range inv.Endpoints {
		if ep.Namespace == ns && labels.SelectorFromSet(dnsLabels).Matches(labels.Set(ep.Labels)) {
			return inv
		}
	}
	if ns == "" {
		return inv
	}
	found := false
	for _, n := range inv.Namespaces {
		found = found || n.Name == ns
	}
	if !found {
		inv.Namespaces = append(inv.Namespaces, inv.Namespace(ns))
	}
	name := "kube-dns"
	if v, ok := dnsLabels["k8s-app"]; ok {
		name = v
	}
	inv.Endpoints = append(inv.Endpoints, inventory.Endpoint{
		Namespace: ns, Name: name, Kind: "Deployment", Labels: dnsLabels,
		Ports:  []ir.NamedPort{{Name: "dns", Port: 53, Protocol: ir.UDP}, {Name: "dns-tcp", Port: 53, Protocol: ir.TCP}},
		Source: inventory.Source{File: "<cluster.dns>"},
	})
	inv.Sort()
	return inv
}

// ManifestPolicies converts every policy object of a manifests set.
func ManifestPolicies(s *manifests.Set) (enforcer.Policies, error) {
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

// ErrNotEquivalent is returned when emitted objects do not reproduce the
// intents' connectivity.
var ErrNotEquivalent = errors.New("emitted policies are not equivalent to the intents")

// CheckNetworkPolicies proves that the emitted NetworkPolicies give exactly
// want, the intents' connectivity over the intents' workloads. A difference
// is a bug in netpolc, never something to ship: the error names the flows.
func CheckNetworkPolicies(res *compiler.Result, want *enforcer.Connectivity, nps []networkingv1.NetworkPolicy) error {
	sourced := make([]enforcer.SourcedNetworkPolicy, len(nps))
	for i, np := range nps {
		sourced[i] = enforcer.SourcedNetworkPolicy{NetworkPolicy: np}
	}
	pols, err := enforcer.FromNetworkPolicies(sourced)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrNotEquivalent, err)
	}
	got, err := enforcer.New(IntentsInventory(res.Policy), pols)
	if err != nil {
		return err
	}
	return Equal("networkpolicy", want, got.Matrix())
}

// Equal compares a target's connectivity with the intents' and describes
// up to ten differing flows.
func Equal(target string, want, got *enforcer.Connectivity) error {
	d := enforcer.Diff(want, got)
	if len(d.Opened)+len(d.Closed)+len(d.Changed) == 0 {
		return nil
	}
	var lines []string
	add := func(kind string, cs []enforcer.Change) {
		for _, c := range cs {
			if len(lines) < 10 {
				lines = append(lines, fmt.Sprintf("  %s %s → %s: intents allow %s, %s allows %s", kind, c.Src, c.Dst, c.Before, target, c.After))
			}
		}
	}
	add("wider", d.Opened)
	add("narrower", d.Closed)
	add("different", d.Changed)
	n := len(d.Opened) + len(d.Closed) + len(d.Changed)
	return fmt.Errorf("%w: target %s differs on %d flow(s):\n%s", ErrNotEquivalent, target, n, strings.Join(lines, "\n"))
}
