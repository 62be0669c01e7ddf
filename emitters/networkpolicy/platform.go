package networkpolicy

import (
	"fmt"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
)

// The platform layer in NetworkPolicy. The model (enforcer/eval.go
// evalDir) decides a direction admin → teams → baseline: a pod a team
// isolates gets exactly the teams' allows, any other pod the first
// matching baseline rule (otherwise allowed). NetworkPolicy has one
// layer, whose allows add up, so:
//
//   - a baseline Deny of everything (PeerAll, every port) over a subject
//     is an isolation of its pods with no allow, one NetworkPolicy per
//     covered namespace: a pod a team isolates keeps the teams' allows
//     (an isolation adds none), any other pod is denied everything, as
//     the model says. Rules after it in the intent never match.
//   - a baseline Deny of less (some peers or ports) would be that same
//     isolation, which also denies what the rule does not match: wider
//     deny, narrower allow. Refused; under allow-approximate it is that
//     isolation, with a warning.
//   - a baseline Allow before it would be an allow of the same pods, and
//     NetworkPolicy allows also reach the pods a team isolates, which the
//     model leaves to the teams: wider, refused; allow-approximate leaves
//     it out (narrower), with a warning.
//   - the admin tier (Allow that no team isolation may take away, Deny,
//     Pass) has no NetworkPolicy form and is always refused.

// adminHint names the targets with a tier before the teams' policies.
const adminHint = "build the admin tier with the adminpolicy target (ClusterNetworkPolicy Admin tier, or AdminNetworkPolicy with --admin-api-version=v1alpha1) or the calico target (GlobalNetworkPolicy tiers, Calico 3.29 or later), or, for the admin rules its deny precedence can order, the cilium target (CiliumClusterwideNetworkPolicy)"

// platform expresses the cluster-wide intents of p over the namespaces
// the intents declare and inv lists.
func (b *builder) platform(p *ir.Policy, inv inventory.Inventory) {
	if len(p.Cluster) == 0 {
		return
	}
	cl := kit.NewCluster(p, inv)
	names := namespaceNames(p, inv)
	for _, cp := range p.Cluster {
		if cp.Tier != ir.TierBaseline {
			b.refuseAdmin(cp)
			continue
		}
		b.baseline(cp, cl, names)
	}
}

// refuseAdmin records one error per rule of an admin intent.
func (b *builder) refuseAdmin(cp ir.ClusterPolicy) {
	for _, r := range cp.Rules {
		why := "NetworkPolicy has no tier decided before the teams' policies, so it cannot deny what a team's policy allows"
		switch r.Action {
		case ir.Allow:
			why = "NetworkPolicy has no tier decided before the teams' policies, so a team's isolation would deny what the intent allows whatever the teams say"
		case ir.Pass:
			why = "NetworkPolicy has no tier decided before the teams' policies to pass from, nor one to end the rules the Pass skips"
		}
		b.errs.At(r.Origin, kit.Hinted(fmt.Errorf("%s %s rule of admin intent %q: %s: %w",
			r.Action, kit.Lower(r.Direction), cp.Name, why, ErrUnsupported), adminHint))
	}
}

// baseline expresses one baseline intent: per direction, the isolation
// its deny-everything rule means, in every covered namespace.
func (b *builder) baseline(cp ir.ClusterPolicy, cl *kit.Cluster, names []string) {
	for _, d := range []ir.Direction{ir.Ingress, ir.Egress} {
		from, ok := b.baselineRules(cp, d)
		if !ok || len(from) == 0 {
			continue
		}
		sel := kit.CanonicalSelector(&cp.Subject.Pods)
		if err := kit.CheckSelector("spec.podSelector", sel); err != nil {
			b.errs.At(cp.Origin, fmt.Errorf("baseline intent %q: %w", cp.Name, err))
			return
		}
		nsSel, err := metav1.LabelSelectorAsSelector(&cp.Subject.Namespaces)
		if err != nil {
			b.errs.At(cp.Origin, fmt.Errorf("baseline intent %q: namespace selector: %w: %v", cp.Name, ErrInvalid, err))
			return
		}
		var covered []string
		for _, ns := range names {
			if !nsSel.Matches(cl.NamespaceLabels(ns)) {
				continue
			}
			covered = append(covered, ns)
			subject := ir.Subject{Namespace: ns, Pods: *sel, Name: "platform-baseline-" + cp.Name}
			pol := &policy{subject: subject, dir: d, isolated: true, from: kit.Origins{}, rules: map[string]*rule{}}
			pol.from.Add(from...)
			b.pols["baseline\x00"+policyKey(ns, d, sel)+"\x00"+cp.Name] = pol
		}
		b.notes = append(b.notes, kit.Warning{Origin: cp.Origin, Message: coverage(cp, d, covered)})
	}
}

// coverage is the warning that a baseline isolation covers only the
// namespaces the build knows.
func coverage(cp ir.ClusterPolicy, d ir.Direction, covered []string) string {
	what := "no namespace the build knows"
	if len(covered) > 0 {
		what = fmt.Sprintf("one NetworkPolicy per covered namespace (%s)", strings.Join(covered, ", "))
	}
	return fmt.Sprintf("baseline intent %q: %s isolation expanded into %s: a namespace created later is not covered until the intents are rebuilt",
		cp.Name, kit.Lower(d), what)
}

// baselineRules checks the rules of direction d of a baseline intent up
// to its first deny-everything rule (which covers the Denies before it;
// the rules after it never match), returning the origins of the
// isolation; none when nothing is denied. ok is false when a rule is
// refused.
func (b *builder) baselineRules(cp ir.ClusterPolicy, d ir.Direction) (from []ir.Origin, ok bool) {
	var rules []ir.ClusterRule
	all := false
	for _, r := range cp.Rules {
		if r.Direction == d {
			rules = append(rules, r)
			if all = r.Action == ir.Deny && r.Peer.Kind == ir.PeerAll && len(r.Ports) == 0; all {
				break
			}
		}
	}
	ok = true
	for _, r := range rules {
		what := fmt.Sprintf("baseline %s %s rule of %q", r.Action, kit.Lower(d), cp.Name)
		switch {
		case r.Action == ir.Deny && all:
			from = append(from, r.Origin)
		case r.Action == ir.Deny && b.approx:
			b.warns = append(b.warns, kit.Warning{Origin: r.Origin, Message: what +
				": NetworkPolicy cannot deny only some peers or ports: the subject's pods isolated in every namespace the intent covers, denying more than the rule (narrower)"})
			from = append(from, r.Origin)
		case r.Action == ir.Deny:
			b.errs.At(r.Origin, kit.Hinted(fmt.Errorf("%s: NetworkPolicy denies only by isolating, which denies every peer and port the rule does not name too (narrower): %w",
				what, ErrUnsupported), "deny everything (`all: true`, no ports) in this direction, build with --allow-approximate to isolate anyway, or use the adminpolicy or calico target"))
			ok = false
		case b.approx:
			b.warns = append(b.warns, kit.Warning{Origin: r.Origin, Message: what +
				": NetworkPolicy allows add up, so it would open the pods a team's policy isolates too: left out (narrower)"})
		default:
			b.errs.At(r.Origin, kit.Hinted(fmt.Errorf("%s: NetworkPolicy allows add up, so it would open the pods a team's policy isolates too, which the teams decide (wider): %w",
				what, ErrUnsupported), "allow it in the teams' policies, build with --allow-approximate to leave it out, or use the adminpolicy or calico target"))
			ok = false
		}
	}
	return from, ok
}

// namespaceNames are the namespaces the intents declare or the inventory
// lists (or has pods in), sorted.
func namespaceNames(p *ir.Policy, inv inventory.Inventory) []string {
	var out []string
	for _, ns := range p.Namespaces {
		out = append(out, ns.Name)
	}
	for _, ns := range inv.Namespaces {
		out = append(out, ns.Name)
	}
	for _, ep := range inv.Endpoints {
		out = append(out, ep.Namespace)
	}
	slices.Sort(out)
	return slices.Compact(out)
}
