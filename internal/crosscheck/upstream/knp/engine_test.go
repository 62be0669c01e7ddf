package knp

import (
	"net/netip"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/netpolc/netpolc/internal/portset"
	"github.com/netpolc/netpolc/internal/testkit/conformance"
)

// TestEngineSanity checks that the linked verdict function reads the
// packet as upstream lays it out: an unpoliced cluster allows, a
// default-deny ingress policy on x denies into x only, on every probe.
func TestEngineSanity(t *testing.T) {
	inv := conformance.Inventory()
	open, err := New(inv, Objects{})
	if err != nil {
		t.Fatal(err)
	}
	deny := conformance.Netpol("x", "deny", conformance.Types(conformance.TIngress))
	closed, err := New(inv, Objects{NetworkPolicies: []networkingv1.NetworkPolicy{deny}})
	if err != nil {
		t.Fatal(err)
	}
	ya, xa := netip.MustParseAddr("10.2.0.1"), netip.MustParseAddr("10.1.0.1")
	for _, proto := range []portset.Protocol{portset.TCP, portset.UDP, portset.SCTP} {
		if !open.Allowed(ya, xa, proto, 80) {
			t.Errorf("no policy: y/a -> x/a %v/80 denied", proto)
		}
		if closed.Allowed(ya, xa, proto, 80) {
			t.Errorf("deny into x: y/a -> x/a %v/80 allowed", proto)
		}
		if !closed.Allowed(xa, ya, proto, 80) {
			t.Errorf("deny into x: x/a -> y/a %v/80 denied", proto)
		}
	}
}
