package adminpolicy

import (
	"net/netip"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/network-policy-api/apis/v1alpha2"

	"github.com/netpolc/netpolc/emitters/adminpolicy/adminapi"
	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/enforcer/proof"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
	. "github.com/netpolc/netpolc/internal/testkit/irfix"
)

// cnp is a ClusterNetworkPolicy of tier with one egress rule.
func cnp(name string, tier v1alpha2.Tier, priority int32, subject metav1.LabelSelector, action v1alpha2.ClusterNetworkPolicyRuleAction,
	to ...v1alpha2.ClusterNetworkPolicyEgressPeer) v1alpha2.ClusterNetworkPolicy {
	var c v1alpha2.ClusterNetworkPolicy
	c.Name = name
	c.Spec.Tier, c.Spec.Priority = tier, priority
	c.Spec.Subject.Pods = &v1alpha2.NamespacedPod{
		NamespaceSelector: metav1.LabelSelector{MatchLabels: map[string]string{inventory.MetadataNameLabel: "shop"}}, PodSelector: subject}
	c.Spec.Egress = []v1alpha2.ClusterNetworkPolicyEgressRule{{Name: "r", Action: action, To: to}}
	return c
}

var everyNamespace = v1alpha2.ClusterNetworkPolicyEgressPeer{Namespaces: &metav1.LabelSelector{}}

// TestHostNetworkExcluded is the interpreter half of issue 10 defect 3:
// read as the admin API applies them, policies neither isolate a
// host-network pod (subject) nor match it as a namespaces or pods peer,
// so the proof fails on objects that treat it as a pod; a networks peer
// still matches it by its address.
func TestHostNetworkExcluded(t *testing.T) {
	inv := inventory.Inventory{Endpoints: []inventory.Endpoint{
		{Namespace: "shop", Name: "api", Labels: App("api"), HostNetwork: true, IPs: []netip.Addr{netip.MustParseAddr("192.168.1.10")}},
		{Namespace: "shop", Name: "web", Labels: App("web"), IPs: []netip.Addr{netip.MustParseAddr("10.244.0.5")}},
	}}
	deny := cnp("deny", v1alpha2.BaselineTier, 100, metav1.LabelSelector{}, v1alpha2.ClusterNetworkPolicyRuleActionDeny,
		everyNamespace, v1alpha2.ClusterNetworkPolicyEgressPeer{Networks: []v1alpha2.CIDR{"0.0.0.0/0", "::/0"}})
	prove := func(p *ir.Policy, cnps ...v1alpha2.ClusterNetworkPolicy) error {
		t.Helper()
		ref, err := proof.NewReference(p, inv)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Interpreter{}.Interpret(&adminapi.Objects{ClusterNetworkPolicies: cnps}, enforcer.InterpretInput{Inventory: inv})
		if err != nil {
			t.Fatal(err)
		}
		_, err = ref.ProveReading("adminpolicy", got, false)
		return err
	}
	// Every pod of shop isolated for egress: the host-network pod stays open.
	if err := prove(&ir.Policy{Isolations: []ir.Isolation{Isolate(All, ir.Egress, 4)}}, deny); err == nil ||
		!strings.Contains(err.Error(), "shop/api") {
		t.Errorf("subject with a host-network pod: proof error %v, want shop/api wider", err)
	}
	// web may reach every pod of shop: the namespaces peer misses api.
	webIso := Isolate(Web, ir.Egress, 1)
	webDeny := cnp("deny", v1alpha2.BaselineTier, 100, metav1.LabelSelector{MatchLabels: App("web")}, v1alpha2.ClusterNetworkPolicyRuleActionDeny,
		everyNamespace, v1alpha2.ClusterNetworkPolicyEgressPeer{Networks: []v1alpha2.CIDR{"0.0.0.0/0", "::/0"}})
	toShop := cnp("allow", v1alpha2.AdminTier, 100, metav1.LabelSelector{MatchLabels: App("web")}, v1alpha2.ClusterNetworkPolicyRuleActionAccept,
		v1alpha2.ClusterNetworkPolicyEgressPeer{Namespaces: &metav1.LabelSelector{MatchLabels: map[string]string{inventory.MetadataNameLabel: "shop"}}})
	if err := prove(&ir.Policy{Isolations: []ir.Isolation{webIso}, Rules: []ir.Rule{Allow(Web, ir.Egress, LocalPods(nil), 2)}}, webDeny, toShop); err == nil {
		t.Error("namespaces peer and a host-network pod: proven, want a difference on shop/web → shop/api")
	}
	// The node's address in a networks peer: matched, as the ipBlock does.
	toNode := cnp("allow", v1alpha2.AdminTier, 100, metav1.LabelSelector{MatchLabels: App("web")}, v1alpha2.ClusterNetworkPolicyRuleActionAccept,
		v1alpha2.ClusterNetworkPolicyEgressPeer{Networks: []v1alpha2.CIDR{"192.168.0.0/16"}})
	if err := prove(&ir.Policy{Isolations: []ir.Isolation{webIso}, Rules: []ir.Rule{Allow(Web, ir.Egress, CIDR("192.168.0.0/16"), 2)}}, webDeny, toNode); err != nil {
		t.Errorf("networks peer holding the node's address: %v", err)
	}
}
