package calico

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netpolc/netpolc/emitters/calico/calicoapi"
	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/internal/inventory"
)

// Selector renders a label selector as a Calico selector expression:
// terms joined by " && ", matchLabels first (by key), then expressions;
// "all()" when it selects everything. k != 'v' and k not in {...} match
// endpoints without the label, as NotIn does.
func Selector(sel *metav1.LabelSelector) string {
	return expression(sel, func(k string) string { return k })
}

// podGuard is true on workload endpoints only: Calico sets it on every
// pod's endpoint, after the pod's own labels
// (libcalico-go/lib/backend/k8s/conversion/workload_endpoint_default.go),
// and never on host endpoints or network sets. Calico guards the pod
// selectors of the Kubernetes NetworkPolicies it converts the same way
// (conversion.go, k8sSelectorToCalico).
var podGuard = calicoapi.OrchestratorLabel + " == '" + calicoapi.OrchestratorKubernetes + "'"

// podSelector renders a rule's pod selector so that it selects pods only:
// "projectcalico.org/orchestrator == 'k8s'" and the selector. Without
// the guard a selector a missing label satisfies (k != 'v', k not in
// {...}, !has(k)), or a namespaceSelector one does, also matches host
// endpoints and network sets — the node, addresses outside the cluster —
// and any selector matches network sets that carry the pods' labels.
func podSelector(sel *metav1.LabelSelector) string {
	if s := Selector(sel); s != calicoapi.All {
		return podGuard + " && " + s
	}
	return podGuard
}

// namespaceSelector renders a namespace label selector; the metadata-name
// label becomes Calico's projectcalico.org/name.
func namespaceSelector(sel *metav1.LabelSelector) string {
	return expression(sel, func(k string) string {
		if k == inventory.MetadataNameLabel {
			return calicoapi.NamespaceNameLabel
		}
		return k
	})
}

// expression prints the canonical form of sel (kit.CanonicalSelector), so
// that equal selectors print equal: the printed string is the key the
// emitter merges subjects by.
func expression(sel *metav1.LabelSelector, key func(string) string) string {
	if sel == nil {
		return calicoapi.All
	}
	sel = kit.CanonicalSelector(sel)
	var terms []string
	for _, k := range slices.Sorted(maps.Keys(sel.MatchLabels)) {
		terms = append(terms, fmt.Sprintf("%s == '%s'", key(k), sel.MatchLabels[k]))
	}
	for _, r := range sel.MatchExpressions {
		terms = append(terms, requirement(key(r.Key), r))
	}
	// A conjunction is a set: a term twice (a matchLabel repeated as an
	// expression) is printed once, keeping matchLabels first.
	seen := map[string]bool{}
	terms = slices.DeleteFunc(terms, func(t string) bool {
		dup := seen[t]
		seen[t] = true
		return dup
	})
	if len(terms) == 0 {
		return calicoapi.All
	}
	return strings.Join(terms, " && ")
}

// requirement renders one validated expression, its values sorted and
// distinct.
func requirement(k string, r metav1.LabelSelectorRequirement) string {
	values := r.Values
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = "'" + v + "'"
	}
	set := "{" + strings.Join(quoted, ", ") + "}"
	switch r.Operator {
	case metav1.LabelSelectorOpIn:
		if len(values) == 1 {
			return fmt.Sprintf("%s == %s", k, quoted[0])
		}
		return fmt.Sprintf("%s in %s", k, set)
	case metav1.LabelSelectorOpNotIn:
		if len(values) == 1 {
			return fmt.Sprintf("%s != %s", k, quoted[0])
		}
		return fmt.Sprintf("%s not in %s", k, set)
	case metav1.LabelSelectorOpExists:
		return fmt.Sprintf("has(%s)", k)
	}
	return fmt.Sprintf("!has(%s)", k)
}
