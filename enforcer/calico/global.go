package calico

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netpolc/netpolc/emitters/calico/calicoapi"
	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/ir"
)

// GlobalNetworkPolicies and their tiers (docs.tigera.io "Get started with
// policy tiers", "Global network policy"; api/pkg/apis/projectcalico/v3/
// tier.go): tiers are evaluated by order (none: last), then name; in a
// tier the policies by order, then name, and the first matching rule
// decides (Log goes on); Pass goes to the next tier; an endpoint some
// policy of the tier selects in a direction meets the tier's
// defaultAction (Deny unless Pass) when no rule matched, and an endpoint
// none selects skips the tier; what passes every tier meets the
// endpoint's profile, which for a pod allows (felix/rules/endpoints.go:
// per direction, the tiers' policies in order, the end-of-tier drop unless
// defaultAction is Pass, then the profiles). A GlobalNetworkPolicy's
// selector is ANDed
// with its namespaceSelector, prefixed with "pcns." and all() meaning
// has(projectcalico.org/namespace) (libcalico-go/lib/backend/syncersv1/
// updateprocessors/globalnetworkpolicyprocessor.go); a rule selector
// without namespaceSelector matches endpoints of every namespace and
// none (rules.go, getEndpointSelector with no namespace).
//
// The model has three layers (admin, NetworkPolicy, baseline), so the
// reading supports the tiers that map onto them exactly: at most one tier
// of GlobalNetworkPolicies before the NetworkPolicies' tier (the admin
// layer: Pass goes to the NetworkPolicies) and at most one after it (the
// baseline layer, without Pass); with no NetworkPolicy, the first of two
// such tiers is the admin layer. A tier ending with Deny reads as one more
// policy per selected subject, after the tier's own, denying everything in
// the policy's directions. A policy whose selector could select a host
// endpoint (one without projectcalico.org/orchestrator == 'k8s' in every
// alternative) is refused: those are no endpoints of the model's subjects.

// tierAt is a tier with the order it is evaluated in.
type tierAt struct {
	name  string
	order float64
	pass  bool // defaultAction Pass
}

// tierInfo returns the named tier; the default tier is Calico's own
// (order 1 000 000, ending with Deny; tier.go DefaultTierOrder).
func tierInfo(objs *calicoapi.Objects, name string) (tierAt, bool) {
	if name == "default" {
		return tierAt{name: name, order: 1_000_000}, true
	}
	for _, t := range objs.Tiers {
		if t.Name == name {
			at := tierAt{name: name, order: 1e300, pass: t.Spec.DefaultAction == calicoapi.ActionPass}
			if t.Spec.Order != nil {
				at.order = *t.Spec.Order
			}
			return at, true
		}
	}
	return tierAt{}, false
}

func globalTier(g *calicoapi.GlobalNetworkPolicy) string {
	if g.Spec.Tier == "" {
		return "default"
	}
	return g.Spec.Tier
}

// globalLayers assigns the GlobalNetworkPolicies' tiers to the admin and
// baseline layers around the NetworkPolicies' tier npTier ("" when there
// is none).
func (rd *reader) globalLayers(objs *calicoapi.Objects, npTier string) (map[string]enforcer.Layer, map[string]tierAt, error) {
	if len(objs.GlobalNetworkPolicies) == 0 {
		return nil, nil, nil
	}
	if !rd.version.AtLeast(calicoapi.TiersSince.Major, calicoapi.TiersSince.Minor) {
		return nil, nil, unsupported("GlobalNetworkPolicy %q: Calico %s has no tiers (from 3.29), so the model cannot order it around the NetworkPolicies", objs.GlobalNetworkPolicies[0].Name, rd.version)
	}
	tiers := map[string]tierAt{}
	for i := range objs.GlobalNetworkPolicies {
		name := globalTier(&objs.GlobalNetworkPolicies[i])
		t, ok := tierInfo(objs, name)
		switch {
		case !ok:
			return nil, nil, invalid("GlobalNetworkPolicy %q: tier %q is not defined", objs.GlobalNetworkPolicies[i].Name, name)
		case name == npTier:
			return nil, nil, unsupported("GlobalNetworkPolicy %q in tier %q with NetworkPolicies: the model orders them in different layers", objs.GlobalNetworkPolicies[i].Name, name)
		}
		tiers[name] = t
	}
	list := slices.SortedFunc(maps.Values(tiers), func(a, b tierAt) int { return cmp.Or(cmp.Compare(a.order, b.order), cmp.Compare(a.name, b.name)) })
	var before, after []tierAt
	np, hasNP := tierInfo(objs, npTier)
	for _, t := range list {
		if hasNP && cmp.Or(cmp.Compare(t.order, np.order), cmp.Compare(t.name, np.name)) > 0 || !hasNP && len(before) == 1 {
			after = append(after, t)
		} else {
			before = append(before, t)
		}
	}
	if len(before) > 1 || len(after) > 1 {
		return nil, nil, unsupported("GlobalNetworkPolicies in %d tiers before and %d after the NetworkPolicies: the model has one admin and one baseline layer", len(before), len(after))
	}
	layers := map[string]enforcer.Layer{}
	for _, t := range before {
		layers[t.name] = enforcer.LayerAdmin
	}
	for _, t := range after {
		layers[t.name] = enforcer.LayerBaseline
	}
	return layers, tiers, nil
}

// globals reads the GlobalNetworkPolicies into the admin and baseline
// layers, each policy's alternatives at consecutive ranks in Calico's
// order, then the tiers' Deny ends.
func (rd *reader) globals(objs *calicoapi.Objects, npTier string) ([]enforcer.TieredPolicy, error) {
	layers, tiers, err := rd.globalLayers(objs, npTier)
	if err != nil || len(layers) == 0 {
		return nil, err
	}
	gnps := slices.Clone(objs.GlobalNetworkPolicies)
	slices.SortStableFunc(gnps, func(a, b calicoapi.GlobalNetworkPolicy) int {
		return cmp.Or(cmp.Compare(globalOrder(a), globalOrder(b)), cmp.Compare(a.Name, b.Name))
	})
	var out, ends []enforcer.TieredPolicy
	var errs []error
	for i := range gnps {
		g := &gnps[i]
		ps, applies, err := rd.global(g, layers[globalTier(g)])
		if err != nil {
			errs = append(errs, fmt.Errorf("%s %s: %w", calicoapi.KindGlobalNetworkPolicy, g.Name, err))
			continue
		}
		out = append(out, ps...)
		if !tiers[globalTier(g)].pass {
			ends = append(ends, denyEnds(ps, applies)...)
		}
	}
	if rd.nodeReach {
		out = append([]enforcer.TieredPolicy{nodeReachPolicy()}, out...)
	}
	out = append(out, ends...)
	for i := range out {
		out[i].Ref.Priority = int32(i)
	}
	return out, errors.Join(errs...)
}

func globalOrder(g calicoapi.GlobalNetworkPolicy) float64 {
	if g.Spec.Order == nil {
		return 1e300
	}
	return *g.Spec.Order
}

// global reads one policy: one TieredPolicy per alternative of its
// selector, and the directions it applies to.
func (rd *reader) global(g *calicoapi.GlobalNetworkPolicy, layer enforcer.Layer) ([]enforcer.TieredPolicy, [2]bool, error) {
	subjects, err := globalSelector(g.Spec.NamespaceSelector, g.Spec.Selector)
	if err != nil {
		return nil, [2]bool{}, fmt.Errorf("spec.selector: %w", err)
	}
	spec := calicoapi.PolicySpec{Types: g.Spec.Types, Ingress: g.Spec.Ingress, Egress: g.Spec.Egress}
	applies := policyTypes(&spec)
	var rules [2][]enforcer.TieredRule
	for d, list := range [2][]calicoapi.Rule{spec.Ingress, spec.Egress} {
		if !applies[d] {
			continue
		}
		for i, r := range list {
			tr, keep, err := rd.globalRule(d, r)
			if err != nil {
				return nil, applies, fmt.Errorf("%s[%d]: %w", [2]string{"spec.ingress", "spec.egress"}[d], i, err)
			}
			if keep {
				rules[d] = append(rules[d], tr)
			}
		}
	}
	var out []enforcer.TieredPolicy
	for i, sel := range subjects {
		ref := enforcer.PolicyRef{Kind: calicoapi.KindGlobalNetworkPolicy, Name: g.Name, Layer: layer, Origin: g.Annotations[enforcer.OriginsAnnotation]}
		if len(subjects) > 1 {
			ref.Name = fmt.Sprintf("%s.%d", g.Name, i)
		}
		out = append(out, enforcer.TieredPolicy{Ref: ref, Subject: sel, Rules: rules})
	}
	return out, applies, nil
}

// globalSelector is the disjunctive form of the selector Calico evaluates
// on endpoints for a GlobalNetworkPolicy's namespaceSelector and
// selector. Every alternative must require a workload endpoint
// (projectcalico.org/orchestrator == 'k8s'): host endpoints are no
// subjects of the model.
func globalSelector(namespaceSelector, selector string) ([]metav1.LabelSelector, error) {
	if namespaceSelector != "" && (strings.Contains(selector, "all()") || strings.Contains(selector, "global()")) {
		// Calico replaces all() in the joined selector, string literals
		// included.
		return nil, unsupported("selector %q holds all() or global() beside a namespaceSelector, which Calico rewrites", selector)
	}
	subjects, err := EntitySelector("", &calicoapi.EntityRule{NamespaceSelector: namespaceSelector, Selector: selector})
	if err != nil {
		return nil, err
	}
	for _, s := range subjects {
		if !slices.ContainsFunc(s.MatchExpressions, func(r metav1.LabelSelectorRequirement) bool {
			return r.Key == calicoapi.OrchestratorLabel && r.Operator == metav1.LabelSelectorOpIn &&
				slices.Equal(r.Values, []string{calicoapi.OrchestratorKubernetes})
		}) {
			return nil, unsupported("selector %q may select host endpoints (an alternative without %s == '%s')",
				selector, calicoapi.OrchestratorLabel, calicoapi.OrchestratorKubernetes)
		}
	}
	return subjects, nil
}

// globalRule reads one rule of direction d; keep is false for a rule
// that matches nothing or only logs.
func (rd *reader) globalRule(d int, r calicoapi.Rule) (tr enforcer.TieredRule, keep bool, err error) {
	switch r.Action {
	case calicoapi.ActionLog:
		return tr, false, nil
	case calicoapi.ActionAllow, calicoapi.ActionDeny, calicoapi.ActionPass:
	default:
		return tr, false, invalid("unknown action %q", r.Action)
	}
	peer, local := r.Source, r.Destination
	if d == 1 {
		peer, local = r.Destination, r.Source
	}
	if local != nil && (len(local.Nets) > 0 || len(local.NotNets) > 0 || local.Selector != "" || local.NamespaceSelector != "" ||
		(d == 1 && len(local.Ports) > 0)) {
		return tr, false, unsupported("match criteria on the policy's own endpoint")
	}
	portList := peerPorts(peer)
	if d == 0 && r.Destination != nil {
		portList = r.Destination.Ports
	}
	ports, err := parsePorts(r.Protocol, portList)
	if err != nil {
		return tr, false, err
	}
	peers, all, err := rd.entityPeers("", peer)
	if err != nil || !all && len(peers) == 0 {
		return tr, false, err
	}
	return enforcer.TieredRule{Action: ir.Action(r.Action), Peers: peers, Ports: ports}, true, nil
}

// denyEnds are a Deny-ending tier's end for the subjects ps: everything
// denied in the directions the policy applies to.
func denyEnds(ps []enforcer.TieredPolicy, applies [2]bool) []enforcer.TieredPolicy {
	out := make([]enforcer.TieredPolicy, 0, len(ps))
	for _, p := range ps {
		end := enforcer.TieredPolicy{Ref: p.Ref, Subject: p.Subject}
		end.Ref.Name += " (tier end)"
		for d := range 2 {
			if applies[d] {
				end.Rules[d] = []enforcer.TieredRule{{Action: ir.Deny}}
			}
		}
		out = append(out, end)
	}
	return out
}

// nodeReachPolicy admits the host-network pods into every pod, before
// every tier: felix does not police a node's traffic to its own pods
// (hostnet.go), whatever tier would decide it.
func nodeReachPolicy() enforcer.TieredPolicy {
	return enforcer.TieredPolicy{
		Ref:   enforcer.PolicyRef{Kind: "felix", Name: "node-to-local-pods", Layer: enforcer.LayerAdmin},
		Rules: [2][]enforcer.TieredRule{{{Action: ir.Allow, Peers: nodePeers()}}},
	}
}
