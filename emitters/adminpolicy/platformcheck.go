package adminpolicy

import (
	"fmt"
	"maps"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/internal/ir"
)

// checkLayering fails where the teams' policies, which this target emits
// in the admin tiers too (objects.go), cannot keep their place between the
// platform's tiers:
//
//   - an admin Pass skips the rest of the admin tier (network-policy-api
//     apis/v1alpha2/clusternetworkpolicy_types.go, Pass), the teams'
//     egress accepts at Admin priority 100 included (v1alpha1: also their
//     deny at 1000), where the intents hand the connection to them;
//   - a team's ingress isolation that allows everyone emits nothing (no
//     admin rule can name traffic from outside the cluster), so a Pass or
//     a baseline ingress rule would decide what the team's policy decides.
func (b *builder) checkLayering() {
	for _, part := range b.cluster {
		for d := range 2 {
			for _, r := range part.rules[d] {
				if r.action != ir.Pass && (part.tier != ir.TierBaseline || d != 0) {
					continue
				}
				if team, ok := b.teamBelow(part.subject, d, r.action == ir.Pass); ok {
					b.errs.At(r.origin, kit.Hinted(fmt.Errorf("%s %s rule of %s: the policies of %s/%s are emitted in the admin tiers too, where this rule would not leave the decision to them: %w",
						r.action, dirName(d), part.name, team.Namespace, team.Name, errUnsupported),
						"the adminpolicy target expresses a Pass (or a baseline ingress rule) only over namespaces whose own policies it does not emit; use Allow or Deny, or narrow the subject"))
					break
				}
			}
		}
	}
}

func dirName(d int) string {
	if d == 0 {
		return "ingress"
	}
	return "egress"
}

// teamBelow returns a team subject in a namespace the platform subject
// selects whose emitted policies a Pass (pass) or a baseline rule in
// direction d would not reach as the intents do.
func (b *builder) teamBelow(s ir.ClusterSubject, d int, pass bool) (ir.Subject, bool) {
	sel, err := metav1.LabelSelectorAsSelector(&s.Namespaces)
	if err != nil {
		return ir.Subject{}, false // the subject was refused already
	}
	for _, key := range slices.Sorted(maps.Keys(b.subjects)) {
		sub := b.subjects[key]
		if !sel.Matches(b.cl.NamespaceLabels(sub.s.Namespace)) {
			continue
		}
		switch {
		case d == 0 && sub.isolated[0] && sub.trivial:
			return sub.s, true
		case d == 1 && pass && (len(sub.rules[1]) > 0 || b.opts.API.V1Alpha1() && sub.isolated[1]):
			return sub.s, true
		}
	}
	return ir.Subject{}, false
}
