package cilium

import (
	"fmt"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netpolc/netpolc/emitters/cilium/ciliumapi"
	interp "github.com/netpolc/netpolc/enforcer/cilium"
	"github.com/netpolc/netpolc/internal/testkit/conformance"
)

// req is one requirement.
func req(key string, op metav1.LabelSelectorOperator, values ...string) metav1.LabelSelectorRequirement {
	return metav1.LabelSelectorRequirement{Key: key, Operator: op, Values: values}
}

// handSelectors are selectors the emitter does not write but a
// CiliumNetworkPolicy the interpreter reads may hold: the wildcard,
// namespace scoping by name and by labels, k8s and any sources, and
// negative requirements, which hold on reserved identities.
var handSelectors = []metav1.LabelSelector{
	{},
	{MatchLabels: map[string]string{"pod": "a"}},
	{MatchLabels: map[string]string{"k8s:pod": "a"}},
	{MatchLabels: map[string]string{"any:pod": "b", "k8s:io.kubernetes.pod.namespace": "y"}},
	{MatchExpressions: []metav1.LabelSelectorRequirement{req("io.kubernetes.pod.namespace", metav1.LabelSelectorOpExists)}},
	{MatchExpressions: []metav1.LabelSelectorRequirement{req("io.kubernetes.pod.namespace", metav1.LabelSelectorOpNotIn, "x")}},
	{MatchExpressions: []metav1.LabelSelectorRequirement{req("io.cilium.k8s.namespace.labels.ns", metav1.LabelSelectorOpIn, "y", "z")}},
	{MatchExpressions: []metav1.LabelSelectorRequirement{req("io.cilium.k8s.namespace.labels.ns", metav1.LabelSelectorOpNotIn, "y")}},
	{MatchExpressions: []metav1.LabelSelectorRequirement{req("k8s:io.cilium.k8s.namespace.labels.ns", metav1.LabelSelectorOpDoesNotExist)}},
	{MatchExpressions: []metav1.LabelSelectorRequirement{req("io.cilium.k8s.namespace.labels.ns", metav1.LabelSelectorOpNotIn, "x"), req("pod", metav1.LabelSelectorOpNotIn, "a")}},
	{MatchExpressions: []metav1.LabelSelectorRequirement{req("io.cilium.k8s.namespace.labels.ns", metav1.LabelSelectorOpExists), req("pod", metav1.LabelSelectorOpDoesNotExist)}},
	{MatchExpressions: []metav1.LabelSelectorRequirement{req("pod", metav1.LabelSelectorOpNotIn, "a", "b")}},
	{MatchExpressions: []metav1.LabelSelectorRequirement{req("pod-template-hash", metav1.LabelSelectorOpDoesNotExist)}},
	{MatchLabels: map[string]string{"pod-template-hash": "abc"}},
	{MatchExpressions: []metav1.LabelSelectorRequirement{req("io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name", metav1.LabelSelectorOpIn, "z")}},
}

// TestHandWrittenSelectorsAgreeWithCilium compares the two readings of
// handSelectors, as endpointSelector and as peers of a policy in each
// conformance namespace, on the conformance cluster with a host-network
// pod. Unlike the emitted ones, several select reserved identities.
func TestHandWrittenSelectorsAgreeWithCilium(t *testing.T) {
	upstreamOn(t)
	if err := configureFilter(nil); err != nil {
		t.Fatal(err)
	}
	inv := conformance.Inventory()
	inv.Endpoints[4].HostNetwork = true
	tl := newTally()
	cfg := interp.Config{}
	refused := 0
	for _, ns := range conformance.Namespaces {
		for _, sel := range handSelectors {
			pol := ciliumapi.CiliumNetworkPolicy{Spec: ciliumapi.Rule{
				Ingress: []ciliumapi.IngressRule{{FromEndpoints: []metav1.LabelSelector{sel}}}}}
			pol.Namespace, pol.Name = ns, "hand"
			r, err := cfg.Read([]ciliumapi.CiliumNetworkPolicy{pol}, inv)
			if err != nil {
				t.Errorf("%v in %s: netpolc: %v", sel, ns, err)
				continue
			}
			eps := domain(inv, r)
			for _, cluster := range []string{anyCluster, clusterName} {
				rules, err := upstreamRules(pol, cluster)
				if err != nil {
					t.Fatalf("%v: Cilium's parser: %v", sel, err)
				}
				at := fmt.Sprintf("%s fromEndpoints (peers scoped to cluster %q)", ns, cluster)
				compare(t, tl, cfg, at, ns, sel, true, rules[0].Ingress[0].FromEndpoints[0], r, eps, cluster == anyCluster)
			}
			// As endpointSelector where netpolc reads it (it refuses
			// one naming namespace labels: fail closed).
			if _, err := cfg.Select(ns, sel, false); err != nil {
				refused++
				continue
			}
			pol.Spec.EndpointSelector = sel
			rules, err := upstreamRules(pol, clusterName)
			if err != nil {
				t.Fatalf("%v: Cilium's parser: %v", sel, err)
			}
			compare(t, tl, cfg, ns+" endpointSelector", ns, sel, false, rules[0].EndpointSelector, r, eps, true)
		}
	}
	t.Logf("hand-written: %d selectors compared on %d evaluations, %d disagreements (%d endpointSelectors netpolc refuses); selected by kind: %v of %v; netpolc wider than peers scoped to the cluster: %v",
		tl.selectors, tl.evaluations, tl.disagreements, refused, tl.selected, tl.kinds, tl.wider)
	for _, k := range []string{"pod", "host-network", "world", "host", "remote-node", "health", "kube-apiserver"} {
		if tl.selected[k] == 0 || tl.selected[k] == tl.kinds[k] {
			t.Errorf("the %s endpoints were selected on %d of %d evaluations: the comparison says little about them", k, tl.selected[k], tl.kinds[k])
		}
	}
}
