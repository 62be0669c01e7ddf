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

// TestUnknownPodIPsInsidePodCIDRs is the interpreter half of issue 10
// defect 4 for the admin API: a networks peer matches pods by address, so
// with pod CIDRs declared an allow towards a network over the pod network
// reaches a pod whose IP the build does not know, which the intents
// (selectors only, for such pods) do not allow. The proof fails over the
// placed pods, approximation or not; a network outside the pod CIDRs, an
// undeclared pod network or a known address keep it.
func TestUnknownPodIPsInsidePodCIDRs(t *testing.T) {
	web := inventory.Endpoint{Namespace: "shop", Name: "web", Labels: App("web"), IPs: []netip.Addr{netip.MustParseAddr("10.0.0.5")}}
	client := inventory.Endpoint{Namespace: "other", Name: "client", Labels: App("client")}
	iso := Isolate(Web, ir.Egress, 1)
	deny := cnp("deny", v1alpha2.BaselineTier, 100, metav1.LabelSelector{MatchLabels: App("web")}, v1alpha2.ClusterNetworkPolicyRuleActionDeny,
		everyNamespace, v1alpha2.ClusterNetworkPolicyEgressPeer{Networks: []v1alpha2.CIDR{"0.0.0.0/0", "::/0"}})
	prove := func(cidr string, podCIDRs []string, inv inventory.Inventory, approx bool) error {
		t.Helper()
		p := &ir.Policy{PodCIDRs: podCIDRs, Isolations: []ir.Isolation{iso}, Rules: []ir.Rule{Allow(Web, ir.Egress, CIDR(cidr), 2)}}
		ref, err := proof.NewReference(p, inv)
		if err != nil {
			t.Fatal(err)
		}
		allow := cnp("allow", v1alpha2.AdminTier, 100, metav1.LabelSelector{MatchLabels: App("web")}, v1alpha2.ClusterNetworkPolicyRuleActionAccept,
			v1alpha2.ClusterNetworkPolicyEgressPeer{Networks: []v1alpha2.CIDR{v1alpha2.CIDR(cidr)}})
		got, err := Interpreter{}.Interpret(&adminapi.Objects{ClusterNetworkPolicies: []v1alpha2.ClusterNetworkPolicy{allow, deny}},
			enforcer.InterpretInput{Inventory: inv, PodCIDRs: podCIDRs})
		if err != nil {
			t.Fatal(err)
		}
		_, err = ref.ProveReading("adminpolicy", got, approx)
		return err
	}
	unknown := inventory.Inventory{Endpoints: []inventory.Endpoint{web, client}}
	for _, approx := range []bool{false, true} {
		err := prove("10.0.0.0/8", []string{"10.0.0.0/16"}, unknown, approx)
		if err == nil {
			t.Fatalf("approx %v: a network over the pod CIDRs was proven though it reaches a pod of unknown address", approx)
		}
		for _, want := range []string{"pods with unknown IPs inside the pod CIDRs", "shop/web → other/client"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("approx %v: the error lacks %q: %v", approx, want, err)
			}
		}
	}
	if err := prove("10.0.0.0/8", nil, unknown, false); err != nil {
		t.Errorf("without pod CIDRs: %v", err)
	}
	if err := prove("192.168.0.0/16", []string{"10.0.0.0/16"}, unknown, false); err != nil {
		t.Errorf("a network outside the pod CIDRs: %v", err)
	}
	known := client
	known.IPs = []netip.Addr{netip.MustParseAddr("10.0.9.9")}
	if err := prove("10.0.0.0/8", []string{"10.0.0.0/16"}, inventory.Inventory{Endpoints: []inventory.Endpoint{web, known}}, false); err != nil {
		t.Errorf("every pod's address known: %v", err)
	}
}
