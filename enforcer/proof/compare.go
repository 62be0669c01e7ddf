// Package proof is the equivalence proof: a target's emitted objects, read
// back by its interpreter, must give exactly the connectivity the intents
// give over the same inventory — or, when the user allows approximation,
// nothing more. The intents' own meaning (the Reference) comes straight
// from the IR; the target's never does.
package proof

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/netpolc/netpolc/internal/netset"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/portset"
)

// inertNamespace holds no endpoint: policies there only shape the model's
// external peers.
const inertNamespace = "netpolc-inert"

// Compare compares the connectivity of two policy sets over inv: the
// delta from want (before) to got (after).
//
// The model names external peers after the address ranges the policies'
// blocks split the address space into, so two sets that agree everywhere
// but use different blocks (a block a broader rule makes redundant, a ::/0
// in a deny-all rule) name their external peers differently. Compare then
// evaluates both again on the common refinement of their external peers,
// added to each side by a policy that selects no endpoint.
func Compare(inv inventory.Inventory, want, got enforcer.Policies) (*enforcer.Delta, error) {
	return CompareAcross(inv, want, inv, got)
}

// CompareAcross is Compare with an inventory per side (of the same
// endpoints: only their IPs may differ).
func CompareAcross(wantInv inventory.Inventory, want enforcer.Policies, gotInv inventory.Inventory, got enforcer.Policies) (*enforcer.Delta, error) {
	mw, err := enforcer.New(wantInv, want)
	if err != nil {
		return nil, err
	}
	mg, err := enforcer.New(gotInv, got)
	if err != nil {
		return nil, err
	}
	if !sameExternal(mw, mg) {
		blocks, err := peerBlocks(append(mw.ExternalPeers(), mg.ExternalPeers()...))
		if err != nil {
			return nil, err
		}
		inert, err := inertPolicy(blocks, append(mw.FQDNPeers(), mg.FQDNPeers()...))
		if err != nil {
			return nil, err
		}
		return CompareAcross(wantInv, enforcer.Join(want, inert), gotInv, enforcer.Join(got, inert))
	}
	return compareStreams(mw.Stream(), mg.Stream())
}

// sameExternal reports whether two models name the same external peers:
// address ranges and DNS names.
func sameExternal(a, b *enforcer.Model) bool {
	return slices.Equal(a.ExternalPeers(), b.ExternalPeers()) && slices.Equal(a.FQDNPeers(), b.FQDNPeers())
}

// peerBlocks turns external peer names ("ip:FIRST-LAST") into the CIDRs
// that cover exactly those ranges.
func peerBlocks(names []string) ([]string, error) {
	var out []string
	for _, n := range names {
		r, ok := netset.ParseName(n)
		if !ok {
			return nil, fmt.Errorf("bad external peer name %q", n)
		}
		for _, p := range r.Prefixes() {
			out = append(out, p.String())
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// inertPolicy is a NetworkPolicy in a namespace without endpoints whose
// egress rule names blocks, and an FQDN rule there naming the DNS-name
// endpoints ("fqdn:NAME").
func inertPolicy(blocks, names []string) (enforcer.Policies, error) {
	np := networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: inertNamespace, Name: "blocks"}}
	np.Spec.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeEgress}
	var to []networkingv1.NetworkPolicyPeer
	for _, b := range blocks {
		to = append(to, networkingv1.NetworkPolicyPeer{IPBlock: &networkingv1.IPBlock{CIDR: b}})
	}
	np.Spec.Egress = []networkingv1.NetworkPolicyEgressRule{{To: to}}
	pols, err := enforcer.FromNetworkPolicies([]enforcer.SourcedNetworkPolicy{{NetworkPolicy: np}})
	if err != nil {
		return enforcer.Policies{}, fmt.Errorf("extra blocks: %w", err)
	}
	if len(names) == 0 {
		return pols, nil
	}
	rule := enforcer.FQDNEgress{Namespace: inertNamespace, Name: "names"}
	for _, n := range names {
		rule.Names = append(rule.Names, strings.TrimPrefix(n, enforcer.FQDNPrefix))
	}
	fq, err := enforcer.FromFQDNEgress([]enforcer.FQDNEgress{rule})
	if err != nil {
		return enforcer.Policies{}, fmt.Errorf("extra names: %w", err)
	}
	return enforcer.Join(pols, fq), nil
}

// ErrNotEquivalent is returned when emitted objects do not reproduce the
// intents' connectivity.
var ErrNotEquivalent = errors.New("not equivalent to the intents")

// Reference is the intents' own meaning over an inventory — the policy
// set straight from the IR, its model and its matrix — that every target's
// output is proven against. Build it once per build.
type Reference struct {
	Inventory inventory.Inventory
	Policies  enforcer.Policies
	Model     *enforcer.Model
	// Stream is the model's matrix as its class tables hold it: proofs
	// compare class tables (enforcer.DiffStreams), not lists of pairs.
	Stream *enforcer.Stream
	matrix func() (*enforcer.Connectivity, error)
}

// newReference is the reference of a model.
func newReference(inv inventory.Inventory, pols enforcer.Policies, m *enforcer.Model) *Reference {
	r := &Reference{Inventory: inv, Policies: pols, Model: m, Stream: m.Stream()}
	r.matrix = sync.OnceValues(func() (*enforcer.Connectivity, error) { return connectivity(r.Stream) })
	return r
}

// Matrix is every allowed pair of the reference, listed once on first
// use, or an error past the proof-connections bound.
func (r *Reference) Matrix() (*enforcer.Connectivity, error) { return r.matrix() }

// NewReference evaluates the intents over inv (IntentsInventory for the
// intents' own workloads).
func NewReference(p *ir.Policy, inv inventory.Inventory) (*Reference, error) {
	pols, err := enforcer.FromIR(p)
	if err != nil {
		return nil, err
	}
	m, err := enforcer.New(inv, pols)
	if err != nil {
		return nil, err
	}
	return newReference(inv, pols, m), nil
}

// Prove checks that a target's policy set (read back from its emitted
// objects) gives exactly the intents' connectivity — or, with
// allowNarrower, nothing the intents do not allow. The error names up to
// ten differing flows and the intent lines behind them.
func (r *Reference) Prove(target string, got enforcer.Policies, allowNarrower bool) (*enforcer.Delta, error) {
	return r.proveOver(target, r.Inventory, got, allowNarrower)
}

// proveOver is Prove with the target's policies evaluated over inv (the
// reference's endpoints as the target sees them).
func (r *Reference) proveOver(target string, inv inventory.Inventory, got enforcer.Policies, allowNarrower bool) (*enforcer.Delta, error) {
	gm, err := enforcer.New(inv, got)
	if err != nil {
		return nil, err
	}
	var d *enforcer.Delta
	if sameExternal(gm, r.Model) {
		if d, err = compareStreams(r.Stream, gm.Stream()); err != nil {
			return nil, err
		}
	} else if d, err = CompareAcross(r.Inventory, r.Policies, inv, got); err != nil {
		return nil, err
	}
	if d.Empty() || (allowNarrower && !d.Wider()) {
		return d, nil
	}
	return d, describeDelta(target, r.Model, d)
}

// ProveConnectivity is Prove for a target whose interpreter yields a
// matrix directly (nftables evaluates a ruleset for concrete pod IPs); got
// must name its external peers as r.Model does. With allowNarrower, a
// matrix that allows nothing the intents do not passes.
func (r *Reference) ProveConnectivity(target string, got *enforcer.Connectivity, allowNarrower bool) error {
	_, err := r.proveConnectivity(target, got, allowNarrower)
	return err
}

// proveConnectivity is ProveConnectivity, also returning the delta.
func (r *Reference) proveConnectivity(target string, got *enforcer.Connectivity, allowNarrower bool) (*enforcer.Delta, error) {
	d, err := r.compareConnectivity(got)
	if err != nil {
		return nil, err
	}
	if d.Empty() || (allowNarrower && !d.Wider()) {
		return d, nil
	}
	return d, describeDelta(target, r.Model, d)
}

// compareConnectivity is the delta from the reference to a matrix: by
// class tables when the matrix reads as a stream over the reference's
// nodes, else pair by pair.
func (r *Reference) compareConnectivity(got *enforcer.Connectivity) (*enforcer.Delta, error) {
	if gs, err := enforcer.StreamOf(got); err == nil {
		if sd, ok := enforcer.DiffStreams(r.Stream, gs); ok {
			return streamDelta(sd)
		}
	}
	want, err := r.Matrix()
	if err != nil {
		return nil, err
	}
	return enforcer.Diff(want, got), nil
}

// describeDelta explains a target's differences from the intents as one
// diagnostic at the first intent behind them, with the intent lines
// behind each flow when the intents' model is given.
func describeDelta(target string, intents *enforcer.Model, d *enforcer.Delta) error {
	var (
		lines []string
		at    diag.Pos
	)
	add := func(kind string, c enforcer.Change) {
		if len(lines) >= 10 {
			return
		}
		line := fmt.Sprintf("  %s %s → %s: intents allow %s, %s allows %s", kind, c.Src, c.Dst, c.Before, target, c.After)
		if intents != nil {
			origins, pos := flowOrigins(intents, c)
			if origins != "" {
				line += "\n      from " + origins
			}
			if at.File == "" {
				at = pos
			}
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
	hint := "the target expresses these flows more narrowly than the intents; --allow-approximate accepts a narrower result, with a warning per rule"
	if d.Wider() {
		hint = "the target would allow more than the intents: nothing was written; this is a netpolc bug, please report it with these lines"
	}
	return &diag.Diagnostic{Severity: diag.Error, Pos: at, Err: ErrNotEquivalent, Hint: hint,
		Msg: fmt.Sprintf("%s: %v: differs on %d flow(s):\n%s", target, ErrNotEquivalent, n, strings.Join(lines, "\n"))}
}

// flowOrigins names the intent lines that allow a flow (for a port the
// intents allow), or that isolate its ends (for one they do not), and the
// position of the first of them.
func flowOrigins(m *enforcer.Model, c enforcer.Change) (string, diag.Pos) {
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
			return "", diag.Pos{}
		}
		seen := map[string]bool{}
		var (
			out []string
			at  diag.Pos
		)
		note := func(origin string, pos diag.Pos) {
			if origin != "" && !seen[origin] {
				seen[origin] = true
				out = append(out, origin)
				if at.File == "" {
					at = pos
				}
			}
		}
		for _, dv := range []enforcer.DirectionVerdict{v.Egress, v.Ingress} {
			for _, r := range dv.Allowing {
				note(r.Origin, r.Policy.Source)
			}
			for _, p := range dv.Isolating {
				note(p.Origin, p.Source)
			}
		}
		return strings.Join(out, "; "), at
	}
	return "", diag.Pos{}
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
