package cilium

import (
	"errors"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/internal/ir"
	. "github.com/netpolc/netpolc/internal/testkit/irfix"
)

// TestCIDROverPodNetwork is the Cilium half of issue 10 defect 4: with
// the pod networks declared (cluster.podCIDRs), a CIDR or world peer that
// overlaps them would match pods whose IPs the build does not know in
// NetworkPolicy, never in Cilium (CIDR rules and world select addresses
// outside the cluster). The proof cannot see those pods, so the emitter
// refuses the rule, or narrows it with one warning; holes that leave the
// pod network out make it exact.
func TestCIDROverPodNetwork(t *testing.T) {
	rule := func(p ir.Peer) *ir.Policy {
		return &ir.Policy{PodCIDRs: []string{"10.244.0.0/16"}, Isolations: []ir.Isolation{Isolate(Web, ir.Egress, 1)},
			Rules: []ir.Rule{Allow(Web, ir.Egress, p, 5, TCP(443))}}
	}
	world := ir.Peer{Kind: ir.PeerWorld}
	for name, p := range map[string]ir.Peer{"cidr": CIDR("10.0.0.0/8"), "world": world} {
		_, _, err := Build(rule(p), Options{})
		if !errors.Is(err, errUnsupported) || !strings.Contains(err.Error(), "shop.cue:5:3") || !strings.Contains(err.Error(), "pod network 10.244.0.0/16") {
			t.Errorf("%s: error %v, want the rule refused for the pod network", name, err)
		}
		_, warns, err := Build(rule(p), Options{AllowApproximate: true})
		if err != nil || len(warns) != 1 || !strings.Contains(warns[0].Message, "pod network 10.244.0.0/16") {
			t.Errorf("%s approximate: %v, %v: want one warning", name, warns, err)
		}
	}
	for name, p := range map[string]ir.Peer{"outside": CIDR("192.168.0.0/16"), "hole": CIDR("10.0.0.0/8", "10.244.0.0/16")} {
		if _, _, err := Build(rule(p), Options{}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
