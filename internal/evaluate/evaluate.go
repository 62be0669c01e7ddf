// Package evaluate assembles the evaluation model (package enforcer) from
// what a user has: compiled intents, Kubernetes manifests, or both, and
// proves that emitted NetworkPolicies mean exactly what the intents mean.
package evaluate

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/netpolc/netpolc/internal/diag"

	"k8s.io/apimachinery/pkg/labels"

	"github.com/netpolc/netpolc/compiler"
	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/manifests"
	"github.com/netpolc/netpolc/internal/portset"
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
		Ports:  []ir.NamedPort{{Name: "dns", Port: 53, Protocol: portset.UDP}, {Name: "dns-tcp", Port: 53, Protocol: portset.TCP}},
		Source: diag.Pos{File: "<cluster.dns>"},
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

// Reference is the intents' own meaning over an inventory — the policy
// set straight from the IR, its model and its matrix — that every target's
// output is proven against. Build it once per build.
type Reference struct {
	Inventory inventory.Inventory
	Policies  enforcer.Policies
	Model     *enforcer.Model
	Matrix    *enforcer.Connectivity
}

// NewReference evaluates the intents over inv (IntentsInventory for the
// intents' own workloads).
func NewReference(res *compiler.Result, inv inventory.Inventory) (*Reference, error) {
	pols, err := enforcer.FromIR(res.Policy)
	if err != nil {
		return nil, err
	}
	m, err := enforcer.New(inv, pols)
	if err != nil {
		return nil, err
	}
	return &Reference{Inventory: inv, Policies: pols, Model: m, Matrix: m.Matrix()}, nil
}

// Prove checks that a target's policy set (read back from its emitted
// objects) gives exactly the intents' connectivity — or, with
// allowNarrower, nothing the intents do not allow. The error names up to
// ten differing flows and the intent lines behind them.
func (r *Reference) Prove(target string, got enforcer.Policies, allowNarrower bool) (*enforcer.Delta, error) {
	gm, err := enforcer.New(r.Inventory, got)
	if err != nil {
		return nil, err
	}
	var d *enforcer.Delta
	if slices.Equal(gm.ExternalPeers(), r.Model.ExternalPeers()) {
		d = enforcer.Diff(r.Matrix, gm.Matrix())
	} else if d, err = CompareAcross(r.Inventory, r.Policies, r.Inventory, got); err != nil {
		return nil, err
	}
	if d.Empty() || (allowNarrower && !Wider(d)) {
		return d, nil
	}
	return d, describeDelta(target, r.Model, d)
}

// ProveConnectivity is Prove for a target whose interpreter yields a
// matrix directly (nftables evaluates a ruleset for concrete pod IPs); got
// must name its external peers as r.Model does.
func (r *Reference) ProveConnectivity(target string, got *enforcer.Connectivity) error {
	d := enforcer.Diff(r.Matrix, got)
	if d.Empty() {
		return nil
	}
	return describeDelta(target, r.Model, d)
}

// describeDelta explains a target's differences from the intents, with
// the intent lines behind each flow when the intents' model is given.
func describeDelta(target string, intents *enforcer.Model, d *enforcer.Delta) error {
	var lines []string
	add := func(kind string, c enforcer.Change) {
		if len(lines) >= 10 {
			return
		}
		line := fmt.Sprintf("  %s %s → %s: intents allow %s, %s allows %s", kind, c.Src, c.Dst, c.Before, target, c.After)
		if intents == nil {
			lines = append(lines, line)
			return
		}
		if origins := flowOrigins(intents, c); origins != "" {
			line += "\n      from " + origins
		}
		lines = append(lines, line)
	}
	for _, c := range d.Opened {
		add("wider", c)
	}
	for _, c := range d.Changed {
		add("different", c)
	}
	for _, c := range d.Closed {
		add("narrower", c)
	}
	n := len(d.Opened) + len(d.Closed) + len(d.Changed)
	return fmt.Errorf("%w: target %s differs on %d flow(s):\n%s", ErrNotEquivalent, target, n, strings.Join(lines, "\n"))
}

// flowOrigins names the intent lines that allow a flow (for a port the
// intents allow), or that isolate its ends (for one they do not).
func flowOrigins(m *enforcer.Model, c enforcer.Change) string {
	ports := c.Before
	if ports.IsEmpty() {
		ports = c.After
	}
	for _, proto := range []portset.Protocol{portset.TCP, portset.UDP, portset.SCTP} {
		rs := ports.Ranges(proto)
		if len(rs) == 0 {
			continue
		}
		v, err := m.Verdict(c.Src, c.Dst, proto, int32(rs[0].First))
		if err != nil {
			return ""
		}
		seen := map[string]bool{}
		var out []string
		for _, dv := range []enforcer.DirectionVerdict{v.Egress, v.Ingress} {
			for _, r := range dv.Allowing {
				if r.Origin != "" && !seen[r.Origin] {
					seen[r.Origin] = true
					out = append(out, r.Origin)
				}
			}
			for _, p := range dv.Isolating {
				if p.Origin != "" && !seen[p.Origin] {
					seen[p.Origin] = true
					out = append(out, p.Origin)
				}
			}
		}
		return strings.Join(out, "; ")
	}
	return ""
}

// Equal compares two matrices over the same endpoints and external peers
// (for example the intents' and what a cluster's YAML gives) and
// describes up to ten differing flows.
func Equal(target string, want, got *enforcer.Connectivity) error {
	d := enforcer.Diff(want, got)
	if d.Empty() {
		return nil
	}
	return describeDelta(target, nil, d)
}
