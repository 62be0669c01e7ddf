package calico

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/projectcalico/calico/libcalico-go/lib/selector"

	emit "github.com/netpolc/netpolc/emitters/calico"
	"github.com/netpolc/netpolc/emitters/calico/calicoapi"
	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/enforcer"
	interp "github.com/netpolc/netpolc/enforcer/calico"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/testkit/randir"
)

// endpoint is one label set the policies are evaluated on, with its kind.
type endpoint struct {
	kind   string
	labels map[string]string
}

// tally counts what was compared.
type tally struct {
	selectors, evaluations, disagreements int
	distinct                              map[string]bool
	kinds                                 map[string]int
}

// TestSelectorsAgreeWithLibcalico emits Calico objects for random intents
// (randir, with pod IPs and egress-only shapes), the examples and the
// hand-written cases, and reads every selector in them — each policy's
// spec.selector and each rule side's selector and namespaceSelector — two
// ways: as netpolc's interpreter does (its disjunctive form, evaluated as
// Kubernetes label selectors, which is what the proof runs on) and as
// Calico does (libcalico-go's parser and evaluator, on the selector
// Calico's syncer builds from the rule). Both must agree on every
// endpoint the interpreter evaluates policies on: workload endpoints with
// Calico's labels, host-network pods (the node: no workload labels), host
// endpoints and global network sets, and namespaced network sets. Every
// emitted selector must also parse upstream.
func TestSelectorsAgreeWithLibcalico(t *testing.T) {
	tl := &tally{distinct: map[string]bool{}, kinds: map[string]int{}}
	for name, c := range cases(t) {
		objs, ok := emitted(t, name, c.p, c.inv)
		if !ok {
			continue
		}
		r, err := interp.Interpret(objs, enforcer.InterpretInput{Inventory: c.inv, PodCIDRs: c.p.PodCIDRs})
		if err != nil {
			t.Fatalf("%s: Interpret: %v", name, err)
		}
		eps := domain(r)
		for _, np := range objs.NetworkPolicies {
			compareAll(t, tl, name, np, eps)
		}
	}
	t.Logf("%d selectors (%d distinct) compared on %d evaluations, %d disagreements; endpoints by kind: %v",
		tl.selectors, len(tl.distinct), tl.evaluations, tl.disagreements, tl.kinds)
	if len(tl.distinct) < 100 {
		t.Errorf("only %d distinct selectors: the comparison says little", len(tl.distinct))
	}
}

// testCase is an input the emitter is run on.
type testCase struct {
	p   *ir.Policy
	inv inventory.Inventory
}

// cases are random intents in three shapes, every example and every
// hand-written case.
func cases(t *testing.T) map[string]testCase {
	out := map[string]testCase{}
	for seed := range randir.Seeds(t) {
		p, inv := randir.Generate(seed, 1+int(seed%12))
		out[fmt.Sprintf("seed %d", seed)] = testCase{p, inv}
		out[fmt.Sprintf("seed %d egress-only", seed)] = testCase{randir.EgressOnly(p), inv}
		out[fmt.Sprintf("seed %d with IPs", seed)] = testCase{p, randir.WithIPs(inv)}
	}
	ex, err := randir.Examples()
	if err != nil {
		t.Fatal(err)
	}
	maps.Copy(ex, randir.Cases())
	for name, p := range ex {
		out[name] = testCase{p, enforcer.InventoryFromIR(p)}
	}
	return out
}

// emitted is the Calico emitter's objects for p (narrowed where it must
// be); false when it refuses.
func emitted(t *testing.T, name string, p *ir.Policy, inv inventory.Inventory) (*calicoapi.Objects, bool) {
	out, err := emit.Emitter{}.Emit(kit.Input{Policy: p, Inventory: inv, AllowApproximate: true})
	if errors.Is(err, kit.ErrUnsupported) {
		return nil, false
	}
	if err != nil {
		t.Fatalf("%s: Emit: %v", name, err)
	}
	return out.Objects.(*calicoapi.Objects), true
}

// domain is every endpoint the reading evaluates policies on, by kind.
func domain(r *enforcer.Reading) []endpoint {
	var out []endpoint
	for _, ep := range r.Inventory.Endpoints {
		if ep.HostNetwork {
			out = append(out, endpoint{"host-network pod", ep.Labels})
			continue
		}
		out = append(out, endpoint{"workload endpoint", ep.Labels},
			// A host endpoint or a network set may carry a pod's
			// labels: without Calico's own, and for a network set in
			// the pod's namespace, with the namespace's.
			endpoint{"HostEndpoint with a pod's labels", without(ep.Labels, func(k string) bool {
				return strings.HasPrefix(k, "projectcalico.org/") || strings.HasPrefix(k, namespaceLabelPrefix)
			})},
			endpoint{"NetworkSet with a pod's labels", without(ep.Labels, func(k string) bool { return k == calicoapi.OrchestratorLabel })})
	}
	for _, ep := range r.Reserved {
		out = append(out, endpoint{ep.Kind, ep.Labels})
	}
	// The node without host endpoints, and a host-network pod, have no
	// labels at all.
	return append(out, endpoint{"host-network pod", map[string]string{}})
}

// without is l less the keys drop reports.
func without(l map[string]string, drop func(string) bool) map[string]string {
	out := maps.Clone(l)
	maps.DeleteFunc(out, func(k, _ string) bool { return drop(k) })
	return out
}

// compareAll compares a policy's selector and those of its rules.
func compareAll(t *testing.T, tl *tally, name string, np calicoapi.NetworkPolicy, eps []endpoint) {
	ns := np.Namespace
	where := name + ": " + np.Namespace + "/" + np.Name
	mine, err := interp.PolicySelector(ns, np.Spec.Selector)
	up, uerr := upstreamPolicySelector(ns, np.Spec.Selector)
	compare(t, tl, where+" spec.selector "+np.Spec.Selector, "policy "+ns+" "+np.Spec.Selector, mine, err, up, uerr, eps)
	for d, rules := range [][]calicoapi.Rule{np.Spec.Ingress, np.Spec.Egress} {
		for i, r := range rules {
			for side, e := range map[string]*calicoapi.EntityRule{"source": r.Source, "destination": r.Destination} {
				if e == nil || e.Selector == "" && e.NamespaceSelector == "" {
					continue
				}
				at := fmt.Sprintf("%s %s[%d].%s selector %q namespaceSelector %q", where, [2]string{"ingress", "egress"}[d], i, side, e.Selector, e.NamespaceSelector)
				mine, err := interp.EntitySelector(ns, e)
				up, uerr := upstreamEntitySelector(ns, e.Selector, e.NamespaceSelector)
				compare(t, tl, at, fmt.Sprintf("rule %s %q %q", ns, e.Selector, e.NamespaceSelector), mine, err, up, uerr, eps)
				raw(t, tl, at, e.Selector, e.NamespaceSelector, eps)
			}
		}
	}
}

// upstream is the part of a libcalico-go selector the test uses.
type upstream interface {
	Evaluate(map[string]string) bool
}

// compare evaluates netpolc's reading and Calico's of one selector on
// every endpoint; key names the selector among the distinct ones.
func compare(t *testing.T, tl *tally, at, key string, mine []metav1.LabelSelector, err error, up upstream, uerr error, eps []endpoint) {
	t.Helper()
	if err != nil || uerr != nil {
		t.Errorf("%s: netpolc: %v, libcalico-go: %v", at, err, uerr)
		return
	}
	tl.selectors++
	tl.distinct[key] = true
	for _, ep := range eps {
		tl.evaluations++
		tl.kinds[ep.kind]++
		if got, want := matches(t, mine, ep.labels), up.Evaluate(ep.labels); got != want {
			tl.disagreements++
			t.Errorf("%s on the %s %v: netpolc %v, libcalico-go %v", at, ep.kind, ep.labels, got, want)
		}
	}
}

// raw parses an entity's selector and namespaceSelector as written with
// both parsers and compares them on every endpoint's labels (the
// namespaceSelector on the namespace labels endpoints inherit, without
// their prefix).
func raw(t *testing.T, tl *tally, at, sel, nsSel string, eps []endpoint) {
	t.Helper()
	for _, s := range slices.DeleteFunc([]string{sel, nsSel}, func(s string) bool { return s == "" }) {
		mine, err := interp.ParseSelector(s)
		up, uerr := selector.Parse(s)
		compare(t, tl, at+" as written: "+s, "raw "+s, mine, err, up, uerr, withNamespaceLabels(eps))
	}
}

// withNamespaceLabels adds to eps the namespace labels of each, unprefixed.
func withNamespaceLabels(eps []endpoint) []endpoint {
	out := slices.Clone(eps)
	for _, ep := range eps {
		nsl := map[string]string{}
		for k, v := range ep.labels {
			if rest, ok := strings.CutPrefix(k, namespaceLabelPrefix); ok {
				nsl[rest] = v
			}
		}
		out = append(out, endpoint{ep.kind + " (its namespace's labels)", nsl})
	}
	return out
}

// matches evaluates a disjunctive form as the model does: Kubernetes
// label selectors.
func matches(t *testing.T, dnf []metav1.LabelSelector, l map[string]string) bool {
	t.Helper()
	for _, s := range dnf {
		sel, err := metav1.LabelSelectorAsSelector(&s)
		if err != nil {
			t.Fatalf("%+v: %v", s, err)
		}
		if sel.Matches(labels.Set(l)) {
			return true
		}
	}
	return false
}
