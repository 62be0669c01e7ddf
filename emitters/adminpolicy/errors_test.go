package adminpolicy

import (
	"errors"
	"strings"
	"testing"

	"sigs.k8s.io/network-policy-api/apis/v1alpha2"

	"github.com/netpolc/netpolc/emitters/adminpolicy/adminapi"
	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/portset"
	. "github.com/netpolc/netpolc/internal/testkit/irfix"
)

// TestHints: the remedy of an error is its diagnostic's hint, not part of
// its message.
func TestHints(t *testing.T) {
	dns := ir.Workload{Namespace: "shop", Name: "dns", Labels: App("dns"),
		Ports: []ir.NamedPort{{Name: "dns", Port: 53, Protocol: portset.UDP}}}
	tests := map[string]struct {
		in         *ir.Policy
		msg, hint  string
		notInMsg   string
		approxSame bool // AllowApproximate cannot help
	}{
		"ingress isolation": {
			in: &ir.Policy{Isolations: []ir.Isolation{Isolate(API, ir.Ingress, 7)}},
			msg: "intents/shop.cue:7:3: adminpolicy: ingress isolation of shop/api: cannot be expressed exactly as an admin network policy: " +
				"admin policy ingress peers select namespaces and pods only",
			hint:     "no narrower rule set exists; use the networkpolicy, cilium or calico target for ingress isolation",
			notInMsg: "networkpolicy, cilium", approxSame: true,
		},
		"named port of another protocol": {
			in: &ir.Policy{Workloads: []ir.Workload{dns}, Isolations: []ir.Isolation{Isolate(API, ir.Egress, 1)},
				Rules: []ir.Rule{Allow(API, ir.Egress, Everyone, 20, ir.Port{Protocol: portset.TCP, Name: "dns"})}},
			msg:      `intents/shop.cue:20:3: adminpolicy: egress rule of shop/api: named port TCP/dns: workload shop/dns declares "dns" with another protocol`,
			hint:     "--allow-approximate would emit it narrower: port TCP/dns left out",
			notInMsg: "allow-approximate",
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			_, _, err := Build(tt.in, Options{})
			var l diag.List
			if !errors.As(err, &l) || len(l) != 1 {
				t.Fatalf("Build error %v, want one diagnostic", err)
			}
			d := l[0]
			if !strings.HasPrefix(d.Error(), tt.msg) {
				t.Errorf("message %q, want prefix %q", d.Error(), tt.msg)
			}
			if d.Hint != tt.hint || strings.Contains(d.Msg, tt.notInMsg) {
				t.Errorf("message %q hint %q, want hint %q and no %q in the message", d.Msg, d.Hint, tt.hint, tt.notInMsg)
			}
			if _, _, err := Build(tt.in, Options{AllowApproximate: true}); (err != nil) != tt.approxSame {
				t.Errorf("AllowApproximate: error %v, want one: %v", err, tt.approxSame)
			}
		})
	}
}

// TestNameCollision: two subjects whose policies would share a name fail,
// naming where the other one comes from.
func TestNameCollision(t *testing.T) {
	web, webAllow := Subject("shop", "web", App("web")), Subject("shop", "web-allow", App("other"))
	p := &ir.Policy{
		Isolations: []ir.Isolation{Isolate(web, ir.Egress, 1), Isolate(webAllow, ir.Egress, 2)},
		Rules:      []ir.Rule{Allow(web, ir.Egress, Everyone, 3, TCP(443))},
	}
	_, _, err := Build(p, Options{})
	if !errors.Is(err, kit.ErrInvalid) || !strings.Contains(err.Error(), `adminpolicy: invalid policy name "shop-egress-web-allow"`) ||
		!strings.Contains(err.Error(), "the other is at intents/shop.cue:") {
		t.Errorf("Build error %v, want a name collision", err)
	}
}

func TestFilesErrors(t *testing.T) {
	cnp := func(name string) v1alpha2.ClusterNetworkPolicy {
		var c v1alpha2.ClusterNetworkPolicy
		c.Name = name
		return c
	}
	tests := map[string][]v1alpha2.ClusterNetworkPolicy{
		"path in name": {cnp("../etc")},
		"duplicate":    {cnp("a"), cnp("a")},
	}
	for name, cnps := range tests {
		if _, err := Files(&adminapi.Objects{ClusterNetworkPolicies: cnps}); !errors.Is(err, kit.ErrInvalid) {
			t.Errorf("%s: Files error %v, want ErrInvalid", name, err)
		}
	}
}
