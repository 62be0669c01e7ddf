package cilium

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/cilium/cilium/pkg/labels"
	"github.com/cilium/cilium/pkg/policy/api"

	emit "github.com/netpolc/netpolc/emitters/cilium"
	"github.com/netpolc/netpolc/emitters/cilium/ciliumapi"
	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/enforcer"
	interp "github.com/netpolc/netpolc/enforcer/cilium"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/settings"
	"github.com/netpolc/netpolc/internal/testkit/randir"
)

// selectorConfigs are the cilium-identity-labels settings the emitter
// and both readings run with: each changes which selectors the emitter
// can write (it refuses keys the filter drops).
var selectorConfigs = [][]string{
	nil,
	{"k8s:!team"},
	{"k8s:app", "k8s:tier", "k8s:team", "k8s:env", "k8s:k8s-app", "k8s:pod"},
}

// markerKey is the label the reading puts on the endpoints standing for
// reserved identities and host-network pods (enforcer/cilium).
const markerKey = "netpolc.dev/cilium-reserved"

// forms are the label sets Cilium gives each reserved endpoint of the
// reading, and whether the identity may carry node labels: host and
// remote-node (and a host-network pod, which is one of them), and
// kube-apiserver on a node (pkg/labels, pkg/identity).
var forms = map[string][]struct {
	reserved []string
	node     bool
}{
	"host":           {{[]string{"host"}, true}},
	"remote-node":    {{[]string{"remote-node"}, true}},
	"kube-apiserver": {{[]string{"kube-apiserver"}, false}, {[]string{"kube-apiserver", "host"}, true}, {[]string{"kube-apiserver", "remote-node"}, true}},
	"health":         {{[]string{"health"}, false}},
	"init":           {{[]string{"init"}, false}},
	"unmanaged":      {{[]string{"unmanaged"}, false}},
	"ingress":        {{[]string{"ingress"}, false}},
	"host-network":   {{[]string{"host"}, true}, {[]string{"remote-node"}, true}},
	"world":          {{[]string{"world"}, false}, {[]string{"world-ipv4"}, false}, {[]string{"world-ipv6"}, false}},
}

// tally counts what was compared.
type tally struct {
	cases, policies, selectors, evaluations, disagreements int
	distinct, kinds, selected, wider                       map[string]int
}

func newTally() *tally {
	return &tally{distinct: map[string]int{}, kinds: map[string]int{}, selected: map[string]int{}, wider: map[string]int{}}
}

// TestSelectorsAgreeWithCilium emits CiliumNetworkPolicies for every
// input under every selectorConfigs setting and reads each
// endpointSelector, fromEndpoints and toEndpoints two ways: as netpolc's
// interpreter does (enforcer/cilium.Selection, the code Interpret runs)
// and as Cilium does (the policy parsed by the agent's code, evaluated
// by its policy engine on the identity labels Cilium gives each
// endpoint). Both must agree on every pod of the reading's inventory,
// every reserved identity and the world.
func TestSelectorsAgreeWithCilium(t *testing.T) {
	upstreamOn(t)
	tl := newTally()
	all := cases(t)
	conf := 0
	for _, c := range all {
		if strings.HasPrefix(c.name, "conformance ") {
			conf++
		}
	}
	t.Logf("%d inputs (%d random seeds in 5 shapes, one with a platform layer, %d conformance cases, the examples, platform examples included, and hand-written cases) under %d label settings",
		len(all), randir.Seeds(t), conf, len(selectorConfigs))
	for _, extra := range selectorConfigs {
		if err := configureFilter(extra); err != nil {
			t.Fatal(err)
		}
		s := settings.Settings{}
		for _, e := range extra {
			s.SetValue(ciliumapi.SettingIdentityLabels, e)
		}
		filter, err := ciliumapi.DefaultVersion.LabelFilter(extra)
		if err != nil {
			t.Fatal(err)
		}
		cfg := interp.Config{Labels: filter, Version: ciliumapi.DefaultVersion}
		for _, c := range all {
			checkCase(t, tl, fmt.Sprintf("%s (--labels %q)", c.name, extra), c, s, cfg)
		}
	}
	t.Logf("%d emissions, %d policies, %d selectors (%d distinct) compared on %d evaluations, %d disagreements; evaluations by kind: %v, of which selected: %v",
		tl.cases, tl.policies, tl.selectors, len(tl.distinct), tl.evaluations, tl.disagreements, tl.kinds, tl.selected)
	if len(tl.distinct) < 100 || tl.cases < 600 {
		t.Errorf("only %d distinct selectors in %d emissions: the comparison says little", len(tl.distinct), tl.cases)
	}
	if tl.selected["pod"] == 0 || tl.selected["pod"] == tl.kinds["pod"] || tl.kinds["host-network"] == 0 {
		t.Errorf("pods selected on %d of %d evaluations, %d of host-network pods: the comparison says little", tl.selected["pod"], tl.kinds["pod"], tl.kinds["host-network"])
	}
}

// checkCase emits one input and compares every selector of its policies.
func checkCase(t *testing.T, tl *tally, name string, c testCase, s settings.Settings, cfg interp.Config) {
	t.Helper()
	out, err := emit.Emitter{}.Emit(kit.Input{Policy: c.p, Inventory: c.inv, AllowApproximate: true, Settings: s})
	if errors.Is(err, kit.ErrUnsupported) {
		return
	}
	if err != nil {
		t.Fatalf("%s: Emit: %v", name, err)
	}
	pols := out.Objects.([]ciliumapi.CiliumNetworkPolicy)
	r, err := interp.Interpreter{}.Interpret(pols, enforcer.InterpretInput{Inventory: c.inv, Settings: s})
	if err != nil {
		t.Fatalf("%s: Interpret: %v", name, err)
	}
	tl.cases++
	eps := domain(c.inv, r)
	for _, pol := range pols {
		tl.policies++
		for _, cluster := range []string{clusterName, anyCluster} {
			comparePolicy(t, tl, cfg, fmt.Sprintf("%s (peers scoped to cluster %q)", name, cluster), pol, cluster, r, eps)
		}
	}
}

// comparePolicy compares every selector of an emitted policy with
// Cilium's reading of it, parsed with peers scoped to cluster. Emitted
// peers are always scoped to namespaces, so the cluster scoping changes
// nothing: both readings must be exact.
func comparePolicy(t *testing.T, tl *tally, cfg interp.Config, name string, pol ciliumapi.CiliumNetworkPolicy, cluster string, r *enforcer.Reading, eps []endpoint) {
	t.Helper()
	rules, err := upstreamRules(pol, cluster)
	if err != nil || len(rules) != 1 {
		t.Errorf("%s: %s/%s: Cilium's parser: %v (%d rules)", name, pol.Namespace, pol.Name, err, len(rules))
		return
	}
	up := rules[0]
	where := name + ": " + pol.Namespace + "/" + pol.Name
	if pol.Namespace != "" {
		// A clusterwide policy's subject is read by the platform layer's
		// reading, not Select; its peers are compared below.
		compare(t, tl, cfg, where+" endpointSelector", pol.Namespace, pol.Spec.EndpointSelector, false, up.EndpointSelector, r, eps, true)
	}
	for i, rule := range pol.Spec.Ingress {
		for j, sel := range rule.FromEndpoints {
			at := fmt.Sprintf("%s ingress[%d].fromEndpoints[%d]", where, i, j)
			compare(t, tl, cfg, at, pol.Namespace, sel, true, up.Ingress[i].FromEndpoints[j], r, eps, true)
		}
	}
	for i, rule := range pol.Spec.Egress {
		for j, sel := range rule.ToEndpoints {
			at := fmt.Sprintf("%s egress[%d].toEndpoints[%d]", where, i, j)
			compare(t, tl, cfg, at, pol.Namespace, sel, true, up.Egress[i].ToEndpoints[j], r, eps, true)
		}
	}
	// The platform layer's deny sections (CiliumClusterwideNetworkPolicy):
	// their peers may be negated selectors (a Deny less the peers an
	// earlier rule of its intent decides).
	for i, rule := range pol.Spec.IngressDeny {
		for j, sel := range rule.FromEndpoints {
			at := fmt.Sprintf("%s ingressDeny[%d].fromEndpoints[%d]", where, i, j)
			compare(t, tl, cfg, at, pol.Namespace, sel, true, up.IngressDeny[i].FromEndpoints[j], r, eps, true)
		}
	}
	for i, rule := range pol.Spec.EgressDeny {
		for j, sel := range rule.ToEndpoints {
			at := fmt.Sprintf("%s egressDeny[%d].toEndpoints[%d]", where, i, j)
			compare(t, tl, cfg, at, pol.Namespace, sel, true, up.EgressDeny[i].ToEndpoints[j], r, eps, true)
		}
	}
}

// endpoint is one endpoint of the reading's domain with the label sets
// Cilium may give it (one of them is its identity).
type endpoint struct {
	kind string
	ep   *inventory.Endpoint // nil: the world
	ids  func(api.EndpointSelector) []labels.LabelArray
}

// domain is every endpoint the reading evaluates policies on: the pods
// with their identities, host-network pods, the reserved identities and
// the world.
func domain(inv inventory.Inventory, r *enforcer.Reading) []endpoint {
	var out []endpoint
	for i := range r.Inventory.Endpoints {
		ep := &r.Inventory.Endpoints[i]
		if n, ok := ep.Labels[markerKey]; ok {
			out = append(out, endpoint{n, ep, reservedForms(n)})
			continue
		}
		ns := r.Inventory.Namespace(ep.Namespace)
		id := podIdentity(ep.Labels, namespace{ns.Name, ns.Labels})
		out = append(out, endpoint{"pod", ep, func(api.EndpointSelector) []labels.LabelArray { return []labels.LabelArray{id} }})
	}
	for i := range r.Reserved {
		ep := &r.Reserved[i]
		out = append(out, endpoint{ep.Labels[markerKey], ep, reservedForms(ep.Labels[markerKey])})
	}
	return append(out, endpoint{"world", nil, reservedForms("world")})
}

// reservedForms are the label sets of a reserved node: each form bare
// and, where it may carry node labels, with the cluster label and with
// node labels satisfying the selector.
func reservedForms(node string) func(api.EndpointSelector) []labels.LabelArray {
	return func(sel api.EndpointSelector) []labels.LabelArray {
		var out []labels.LabelArray
		for _, f := range forms[node] {
			out = append(out, reservedIdentity(f.reserved, false, nil))
			if f.node {
				out = append(out, reservedIdentity(f.reserved, true, nil), reservedIdentity(f.reserved, true, witness(sel)))
			}
		}
		return out
	}
}

// compare evaluates netpolc's reading and Cilium's of one selector on
// every endpoint of the domain. With exact false, netpolc's reading may
// select more than Cilium's (counted as wider), never less.
func compare(t *testing.T, tl *tally, cfg interp.Config, at, ns string, sel metav1.LabelSelector, peer bool, up api.EndpointSelector, r *enforcer.Reading, eps []endpoint, exact bool) {
	t.Helper()
	mine, err := cfg.Select(ns, sel, peer)
	if err != nil {
		t.Errorf("%s: netpolc: %v", at, err)
		return
	}
	tl.selectors++
	tl.distinct[fmt.Sprint(peer, ns, up.String())]++
	for _, e := range eps {
		tl.evaluations++
		tl.kinds[e.kind]++
		want := slices.ContainsFunc(e.ids(up), func(l labels.LabelArray) bool { return upstreamMatches(up, l) })
		if want {
			tl.selected[e.kind]++
		}
		var got bool
		if e.ep == nil {
			got = mine.World()
		} else {
			got = mine.Selects(r, *e.ep)
		}
		if got && !want && !exact {
			tl.wider[e.kind]++
			continue
		}
		if got != want {
			tl.disagreements++
			id := "world"
			if e.ep != nil {
				id = e.ep.ID()
			}
			t.Errorf("%s %v (Cilium: %s) on the %s %s %v: netpolc %v, Cilium %v", at, sel, up.String(), e.kind, id, e.ids(up), got, want)
		}
	}
}
