package cilium

import (
	"errors"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netpolc/netpolc/emitters/cilium/ciliumapi"
	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/enforcer/proof"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
	. "github.com/netpolc/netpolc/internal/testkit/irfix"
)

// notOther is the IR peer "pods of every namespace but other".
var notOther = ir.Peer{Kind: ir.PeerPods, Namespaces: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
	{Key: inventory.MetadataNameLabel, Operator: metav1.LabelSelectorOpNotIn, Values: []string{"other"}}}}}

// webIngress is web isolated for ingress with one rule on TCP/80.
func webIngress(p ir.Peer) *ir.Policy {
	return &ir.Policy{Isolations: []ir.Isolation{Isolate(Web, ir.Ingress, 1)}, Rules: []ir.Rule{Allow(Web, ir.Ingress, p, 2, TCP(80))}}
}

// cnpFrom is web's policy allowing TCP/80 from the given peers.
func cnpFrom(r ciliumapi.IngressRule) ciliumapi.CiliumNetworkPolicy {
	r.ToPorts = ports(tcp("80"))
	return policy("web", ciliumapi.Rule{EndpointSelector: labels("app", "web"), Ingress: []ciliumapi.IngressRule{r}})
}

func prove(t *testing.T, p *ir.Policy, in inventory.Inventory, approx bool, pols ...ciliumapi.CiliumNetworkPolicy) error {
	t.Helper()
	ref, err := proof.NewReference(p, in)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Interpreter{}.Interpret(pols, enforcer.InterpretInput{Inventory: in})
	if err != nil {
		t.Fatal(err)
	}
	_, err = ref.ProveReading("cilium", got, approx)
	return err
}

// TestNegativeSelectorReachesReservedIdentities is the regression test of
// issue 10 defect 1: Cilium's "namespace NotIn [other]" also selects the
// world and the node (reserved identities lack the namespace label), so
// the proof must fail where the emitter wrote it unguarded, and pass with
// the Exists guard.
func TestNegativeSelectorReachesReservedIdentities(t *testing.T) {
	notIn := metav1.LabelSelectorRequirement{Key: ciliumapi.NamespaceLabel, Operator: metav1.LabelSelectorOpNotIn, Values: []string{"other"}}
	exists := metav1.LabelSelectorRequirement{Key: ciliumapi.NamespaceLabel, Operator: metav1.LabelSelectorOpExists}
	unguarded := cnpFrom(ciliumapi.IngressRule{FromEndpoints: []metav1.LabelSelector{{MatchExpressions: []metav1.LabelSelectorRequirement{notIn}}}})
	err := prove(t, webIngress(notOther), inv, false, unguarded)
	if !errors.Is(err, proof.ErrNotEquivalent) || !strings.Contains(err.Error(), "wider ip:") {
		t.Fatalf("unguarded NotIn: proof error %v, want the world wider", err)
	}
	guarded := cnpFrom(ciliumapi.IngressRule{FromEndpoints: []metav1.LabelSelector{{MatchExpressions: []metav1.LabelSelectorRequirement{exists, notIn}}}})
	if err := prove(t, webIngress(notOther), inv, false, guarded); err != nil {
		t.Fatalf("guarded NotIn: %v", err)
	}
}

// TestReservedIdentitiesWithinEveryone checks the fail-closed rule for
// the node and the other reserved identities: a policy may allow them
// only what the intents allow everyone, even when approximation lets the
// pods' flows be narrower.
func TestReservedIdentitiesWithinEveryone(t *testing.T) {
	for _, e := range []string{ciliumapi.EntityHost, ciliumapi.EntityRemoteNode, ciliumapi.EntityHealth, ciliumapi.EntityInit,
		ciliumapi.EntityIngress, ciliumapi.EntityUnmanaged, ciliumapi.EntityKubeAPIServer} {
		err := prove(t, webIngress(notOther), inv, true, cnpFrom(ciliumapi.IngressRule{FromEntities: []string{e}}))
		if !errors.Is(err, proof.ErrNotEquivalent) || !strings.Contains(err.Error(), "cilium-reserved/") {
			t.Errorf("fromEntities %s: proof error %v, want a reserved identity wider", e, err)
		}
	}
	// Entity all for intents that allow everyone: exact.
	if err := prove(t, webIngress(Everyone), inv, false, cnpFrom(ciliumapi.IngressRule{FromEntities: []string{ciliumapi.EntityAll}})); err != nil {
		t.Errorf("entity all: %v", err)
	}
}

// TestHostNetworkPodIsTheNode is the interpreter half of defect 3: a
// host-network pod is the node to Cilium, so an endpointSelector does
// not isolate it and a pod selector does not select it; the host entity
// does.
func TestHostNetworkPodIsTheNode(t *testing.T) {
	hn := inv
	hn.Endpoints = append([]inventory.Endpoint(nil), inv.Endpoints...)
	for i := range hn.Endpoints {
		if hn.Endpoints[i].Name == "api" {
			hn.Endpoints[i].HostNetwork = true
		}
	}
	pol := cnpFrom(ciliumapi.IngressRule{FromEndpoints: []metav1.LabelSelector{labels("app", "api")}})
	pol.Spec.EndpointSelector = metav1.LabelSelector{}
	got, err := Config{}.Read([]ciliumapi.CiliumNetworkPolicy{pol}, hn)
	if err != nil {
		t.Fatal(err)
	}
	m, err := enforcer.New(*got.Inventory, got.Policies)
	if err != nil {
		t.Fatal(err)
	}
	c := m.Matrix()
	if !c.Ports("shop/api", "shop/web").IsEmpty() {
		t.Errorf("api (host network) reaches web through a pod selector: %v", c.Ports("shop/api", "shop/web"))
	}
	if !c.Ports("shop/web", "shop/api").IsAll() {
		t.Errorf("web → api (host network) = %v: the policy must not isolate api", c.Ports("shop/web", "shop/api"))
	}
	host := cnpFrom(ciliumapi.IngressRule{FromEntities: []string{ciliumapi.EntityHost}})
	got, _ = Config{}.Read([]ciliumapi.CiliumNetworkPolicy{host}, hn)
	m, _ = enforcer.New(*got.Inventory, got.Policies)
	if p := m.Matrix().Ports("shop/api", "shop/web"); p.String() != "TCP/80" {
		t.Errorf("fromEntities host: api (host network) → web = %v, want TCP/80", p)
	}
}

// TestLabelFilter is the interpreter half of defect 2: labels Cilium's
// identity filter drops select nothing (In) or everything (NotIn).
func TestLabelFilter(t *testing.T) {
	hashed := inv
	hashed.Endpoints = append([]inventory.Endpoint(nil), inv.Endpoints...)
	for i := range hashed.Endpoints {
		hashed.Endpoints[i].Labels = map[string]string{"app": hashed.Endpoints[i].Labels["app"], "pod-template-hash": "abc"}
	}
	in := cnpFrom(ciliumapi.IngressRule{FromEndpoints: []metav1.LabelSelector{labels("pod-template-hash", "abc")}})
	got, err := Config{}.Read([]ciliumapi.CiliumNetworkPolicy{in}, hashed)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := enforcer.New(*got.Inventory, got.Policies)
	if p := m.Matrix().Ports("shop/api", "shop/web"); !p.IsEmpty() {
		t.Errorf("matchLabels pod-template-hash: api → web = %v, want nothing (the label is not in the identity)", p)
	}
	// An include makes the filter a whitelist (app must be included too),
	// and an include as long as an exclude loses to it: the default
	// exclusion of pod-template-hash stands.
	f, err := ciliumapi.NewLabelFilter([]string{"k8s:pod-template-hash", "k8s:app"})
	if err != nil {
		t.Fatal(err)
	}
	got, _ = Config{Labels: f}.Read([]ciliumapi.CiliumNetworkPolicy{in}, hashed)
	m, _ = enforcer.New(*got.Inventory, got.Policies)
	if p := m.Matrix().Ports("shop/api", "shop/web"); !p.IsEmpty() {
		t.Errorf("with k8s:pod-template-hash included: api → web = %v, want nothing", p)
	}
	f, _ = ciliumapi.NewLabelFilter([]string{"k8s:pod-template"})
	got, _ = Config{Labels: f}.Read([]ciliumapi.CiliumNetworkPolicy{in}, hashed)
	m, _ = enforcer.New(*got.Inventory, got.Policies)
	if p := m.Matrix().Ports("shop/api", "shop/web"); !p.IsAll() {
		t.Errorf("whitelist without app: api → web = %v, want everything (app=web is not in web's identity: nothing isolates it)", p)
	}
}

// TestProofNamesHostNetworkPods: where the intents rely on a host-network
// pod as a pod (isolating it, or allowing it as a peer), the proof over
// Cilium's reading fails and says which endpoint is a host-network pod.
func TestProofNamesHostNetworkPods(t *testing.T) {
	hn := inv
	hn.Endpoints = append([]inventory.Endpoint(nil), inv.Endpoints...)
	for i := range hn.Endpoints {
		if hn.Endpoints[i].Name == "api" {
			hn.Endpoints[i].HostNetwork = true
		}
	}
	everyPod := ir.Subject{Namespace: "shop", Name: "all"}
	deny := &ir.Policy{Isolations: []ir.Isolation{Isolate(everyPod, ir.Ingress, 3)}}
	pol := policy("all", ciliumapi.Rule{EndpointSelector: metav1.LabelSelector{}, Ingress: []ciliumapi.IngressRule{{}}})
	for _, approx := range []bool{false, true} {
		err := prove(t, deny, hn, approx, pol)
		if !errors.Is(err, proof.ErrNotEquivalent) || !strings.Contains(err.Error(), "shop/api is a host-network pod") ||
			!strings.Contains(err.Error(), "shop.cue:3") {
			t.Errorf("approximate %v: proof error %v, want it to name the host-network pod and the isolation", approx, err)
		}
	}
}
