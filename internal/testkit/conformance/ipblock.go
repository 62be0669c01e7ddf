package conformance

import (
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/netpolc/netpolc/internal/inventory"
)

// Conformance cases: ipBlock against pods with known IPs (10.N.0.M, see
// conformance.go) and external addresses. Tables: rows are sources,
// columns destinations, both xa xb xc ya yb yc za zb zc; '.' reachable, 'X'
// not.

// forgetYIPs makes the IPs of the y pods unknown.
func forgetYIPs(inv *inventory.Inventory) {
	for i, ep := range inv.Endpoints {
		if ep.Namespace == "y" {
			inv.Endpoints[i].IPs = nil
		}
	}
}

var ipBlockCases = []Case{
	{
		Name: "ingress ipBlock matches pods by known IP",
		NPs:  aFrom(IpPeer("10.2.0.0/16")),
		Want: `
    x   y   z
xa X.. ... ...
xb X.. ... ...
xc X.. ... ...
ya ... ... ...
yb ... ... ...
yc ... ... ...
za X.. ... ...
zb X.. ... ...
zc X.. ... ...`,
		Extra: []extraProbe{
			{"10.2.0.99", "x/a", true},
			{"ip:10.2.0.0-10.2.255.255", "x/a", true},
			{"192.0.2.1", "x/a", false},
			{"x/a", "192.0.2.1", true},
		},
	},
	{
		Name: "ipBlock except carves a hole",
		NPs:  aFrom(IpPeer("10.0.0.0/8", "10.2.0.0/16")),
		Want: `
    x   y   z
xa ... ... ...
xb ... ... ...
xc ... ... ...
ya X.. ... ...
yb X.. ... ...
yc X.. ... ...
za ... ... ...
zb ... ... ...
zc ... ... ...`,
		Extra: []extraProbe{
			{"10.2.0.200", "x/a", false},
			{"10.9.9.9", "x/a", true},
			{"11.0.0.1", "x/a", false},
		},
	},
	{
		Name: "pods with unknown IPs match selectors only",
		Inv:  forgetYIPs,
		NPs:  aFrom(IpPeer("10.0.0.0/8")),
		Want: `
    x   y   z
xa ... ... ...
xb ... ... ...
xc ... ... ...
ya X.. ... ...
yb X.. ... ...
yc X.. ... ...
za ... ... ...
zb ... ... ...
zc ... ... ...`,
	},
	{
		Name: "egress ipBlock /32 reaches one pod",
		NPs: []networkingv1.NetworkPolicy{Netpol("x", "a-to-zb", Selecting(Sel("pod", "a")), Types(TEgress),
			Egress(To(Peers(IpPeer("10.3.0.2/32")))))},
		Want: `
    x   y   z
xa XXX XXX X.X
xb ... ... ...
xc ... ... ...
ya ... ... ...
yb ... ... ...
yc ... ... ...
za ... ... ...
zb ... ... ...
zc ... ... ...`,
		Extra: []extraProbe{{"x/a", "192.0.2.1", false}, {"x/a", "10.3.0.2", true}},
	},
	{
		Name: "ipBlock 0.0.0.0/0 admits every pod with a known IP",
		NPs: []networkingv1.NetworkPolicy{
			Netpol("x", "deny", Types(TIngress)),
			Netpol("x", "from-world", Ingress(From(Peers(IpPeer("0.0.0.0/0"))))),
		},
		Want:  reachAll,
		Extra: []extraProbe{{"192.0.2.1", "x/a", true}, {"2001:db8::1", "x/a", false}},
	},
	{
		Name: "egress ipBlock and selector peers in one rule",
		NPs: []networkingv1.NetworkPolicy{Netpol("x", "out", Types(TEgress),
			Egress(To(Peers(IpPeer("192.0.2.0/24"), PodPeer(Sel())))))},
		Want: `
    x   y   z
xa ... XXX XXX
xb ... XXX XXX
xc ... XXX XXX
ya ... ... ...
yb ... ... ...
yc ... ... ...
za ... ... ...
zb ... ... ...
zc ... ... ...`,
		Extra: []extraProbe{{"x/b", "192.0.2.77", true}, {"x/b", "198.51.100.1", false}},
	},
}
