package calico

import (
	"errors"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
	fx "github.com/netpolc/netpolc/internal/testkit/irfix"
)

// hostInv has web on its node's network and db as an ordinary pod.
var hostInv = inventory.Inventory{Endpoints: []inventory.Endpoint{
	{Namespace: "shop", Name: "web", Kind: "DaemonSet", Labels: fx.App("web"), HostNetwork: true},
	{Namespace: "shop", Name: "db", Kind: "Deployment", Labels: fx.App("db")},
}}

// TestHostNetworkPods (issue 10, defect 3): Calico makes no workload
// endpoint of a host-network pod. Isolating one is refused, approximation
// or not (the policy would not apply: wider), naming the intent line and
// the pod; a rule to one is refused, or under --allow-approximate kept
// with a warning that it does not reach the pod (narrower).
func TestHostNetworkPods(t *testing.T) {
	isolateWeb := &ir.Policy{Isolations: []ir.Isolation{fx.Isolate(fx.Web, ir.Ingress, 1)}}
	for _, approx := range []bool{false, true} {
		_, err := Emitter{}.Emit(kit.Input{Policy: isolateWeb, Inventory: hostInv, AllowApproximate: approx})
		if !errors.Is(err, kit.ErrUnsupported) || !strings.Contains(err.Error(), "intents/shop.cue:1:") ||
			!strings.Contains(err.Error(), "host-network pod shop/web") {
			t.Errorf("approx %v: isolating a host-network pod: %v", approx, err)
		}
	}
	db := ir.Subject{Namespace: "shop", Name: "db", Pods: *fx.Sel(fx.App("db"))}
	toWeb := &ir.Policy{Isolations: []ir.Isolation{fx.Isolate(db, ir.Egress, 1)},
		Rules: []ir.Rule{fx.Allow(db, ir.Egress, fx.LocalPods(fx.App("web")), 2, fx.TCP(80))}}
	_, err := Emitter{}.Emit(kit.Input{Policy: toWeb, Inventory: hostInv})
	if !errors.Is(err, kit.ErrUnsupported) || !strings.Contains(err.Error(), "intents/shop.cue:2:") ||
		!strings.Contains(err.Error(), "host-network pod shop/web") {
		t.Errorf("a rule to a host-network pod: %v", err)
	}
	out, err := Emitter{}.Emit(kit.Input{Policy: toWeb, Inventory: hostInv, AllowApproximate: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Narrowed) != 1 || !strings.Contains(out.Narrowed[0].Message, "host-network pod shop/web") {
		t.Errorf("warnings %+v, want one naming the host-network pod", out.Narrowed)
	}
	if _, err := (Emitter{}).Emit(kit.Input{Policy: toWeb}); err != nil {
		t.Errorf("without the inventory nothing is host-network: %v", err)
	}
}

// TestHostNetworkPodsReachTheirNodesPods: felix lets a node's traffic
// (a host-network pod's) into its pods whatever the policies say, so
// isolating db for ingress while the intents open it to web (host
// network) on one port only is refused, approximation or not, at the
// isolation's line, naming both pods; admitting web on every port builds
// under --allow-approximate (the rule's selector still misses web on
// other nodes: narrower, with a warning).
func TestHostNetworkPodsReachTheirNodesPods(t *testing.T) {
	db := ir.Subject{Namespace: "shop", Name: "db", Pods: *fx.Sel(fx.App("db"))}
	fromWeb := &ir.Policy{Isolations: []ir.Isolation{fx.Isolate(db, ir.Ingress, 1)},
		Rules: []ir.Rule{fx.Allow(db, ir.Ingress, fx.LocalPods(fx.App("web")), 2, fx.TCP(5432))}}
	for _, approx := range []bool{false, true} {
		_, err := Emitter{}.Emit(kit.Input{Policy: fromWeb, Inventory: hostInv, AllowApproximate: approx})
		if !errors.Is(err, kit.ErrUnsupported) || !strings.Contains(err.Error(), "intents/shop.cue:1:") ||
			!strings.Contains(err.Error(), "host-network pod shop/web reaches shop/db on every port") {
			t.Errorf("approx %v: %v", approx, err)
		}
	}
	fromWeb.Rules[0].Ports = nil
	if _, err := (Emitter{}).Emit(kit.Input{Policy: fromWeb, Inventory: hostInv, AllowApproximate: true}); err != nil {
		t.Errorf("admitting the host-network pod on every port: %v", err)
	}
	if _, err := (Emitter{}).Emit(kit.Input{Policy: &ir.Policy{Isolations: fromWeb.Isolations}, Inventory: hostInv}); err == nil {
		t.Error("an isolated pod the intents close to a host-network pod was emitted")
	}
}
