package adminpolicy

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/network-policy-api/apis/v1alpha2"

	"github.com/netpolc/netpolc/internal/ir"
	. "github.com/netpolc/netpolc/internal/testkit/irfix"
)

// TestPodNetworks is issue 10 defect 4 for the admin API: a networks peer
// matches every pod whose IP is inside it (network-policy-api
// apis/v1alpha2: "cluster-internal traffic will be checked against the
// rule as well"), including pods whose IPs the build does not know, which
// the intents match by selectors only. With cluster.podCIDRs declared, a
// CIDR or world peer overlapping them is refused at its line, or under
// --allow-approximate emitted without the pod networks, with one warning
// for the rule.
func TestPodNetworks(t *testing.T) {
	p := &ir.Policy{PodCIDRs: []string{"10.244.0.0/16"}, Isolations: []ir.Isolation{Isolate(Web, ir.Egress, 1)},
		Rules: []ir.Rule{Allow(Web, ir.Egress, CIDR("10.0.0.0/8"), 5, TCP(443)), Allow(Web, ir.Egress, World, 6, TCP(80)),
			Allow(Web, ir.Egress, CIDR("192.168.0.0/16"), 7, TCP(22))}}
	_, _, err := Build(p, Options{})
	for _, line := range []string{"shop.cue:5:3", "shop.cue:6:3"} {
		if !errors.Is(err, errUnsupported) || !strings.Contains(err.Error(), line) || !strings.Contains(err.Error(), "pod network 10.244.0.0/16") {
			t.Errorf("error %v, want the rule at %s refused naming the pod network", err, line)
		}
	}
	if strings.Contains(err.Error(), "shop.cue:7:3") {
		t.Errorf("error %v: the rule at line 7 does not overlap the pod network", err)
	}
	objs, warns, err := Build(p, Options{AllowApproximate: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) != 2 || warns[0].Origin.Line != 5 || warns[1].Origin.Line != 6 {
		t.Errorf("approximate: warnings %v, want one for each of lines 5 and 6", warns)
	}
	var nets []string
	for _, c := range objs.ClusterNetworkPolicies {
		for _, r := range c.Spec.Egress {
			if r.Action != v1alpha2.ClusterNetworkPolicyRuleActionAccept {
				continue // the default deny
			}
			for _, to := range r.To {
				for _, n := range to.Networks {
					nets = append(nets, string(n))
				}
			}
		}
	}
	for _, n := range []string{"10.0.0.0/9", "10.245.0.0/16", "192.168.0.0/16", "::/0"} {
		if !slices.Contains(nets, n) {
			t.Errorf("approximate: networks %v, want %s", nets, n)
		}
	}
	for _, n := range []string{"10.0.0.0/8", "0.0.0.0/0", "10.244.0.0/16"} {
		if slices.Contains(nets, n) {
			t.Errorf("approximate: networks %v hold %s, which covers the pod network", nets, n)
		}
	}
	// Without declared pod networks the build trusts the inventory's IPs.
	q := *p
	q.PodCIDRs = nil
	if _, _, err := Build(&q, Options{}); err != nil {
		t.Errorf("no pod networks: %v", err)
	}
}
