package nftables_test

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/emitters/nftables/nftapi"
	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/enforcer/nftables"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/portset"
)

// Hand-built rulesets over a two-pod inventory pin down the interpreter's
// reading of nft semantics, independently of the emitter.

func twoPods() inventory.Inventory {
	return inventory.Inventory{Endpoints: []inventory.Endpoint{
		{Namespace: "n", Name: "a", Kind: "Pod", IPs: []netip.Addr{netip.MustParseAddr("10.0.0.1")}},
		{Namespace: "n", Name: "b", Kind: "Pod", IPs: []netip.Addr{netip.MustParseAddr("10.0.0.2"), netip.MustParseAddr("fd00::2")}},
	}}
}

func addr(s string) netip.Addr { return netip.MustParseAddr(s) }

func one(s string) nftapi.Element { return nftapi.Element{From: addr(s), To: addr(s)} }

func forward(policy nftapi.VerdictKind, prio int, rules ...nftapi.Rule) nftapi.Chain {
	return nftapi.Chain{Name: "fwd" + string(policy), Base: &nftapi.BaseChain{Type: "filter", Hook: nftapi.HookForward, Priority: prio, Policy: policy}, Rules: rules}
}

func tcpPorts(ranges ...portset.Range) []nftapi.Match {
	return []nftapi.Match{nftapi.L4Proto{Protocols: []portset.Protocol{portset.TCP}}, nftapi.DPort{Ranges: ranges}}
}

func mustInterpret(t *testing.T, rs *nftapi.Ruleset, opts ...nftables.Option) *enforcer.Connectivity {
	t.Helper()
	c, err := nftables.Interpret(rs, twoPods(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestChainSemantics(t *testing.T) {
	rs := &nftapi.Ruleset{
		Sets: []nftapi.Set{{Name: "b", Elements: []nftapi.Element{one("10.0.0.2"), one("fd00::2")}}},
		Chains: []nftapi.Chain{
			forward(nftapi.Drop, 0,
				nftapi.Rule{Matches: []nftapi.Match{nftapi.CtState{States: []string{"established"}}}, Verdict: nftapi.Verdict{Kind: nftapi.Accept}},
				nftapi.Rule{Matches: []nftapi.Match{nftapi.AddrIn{Field: nftapi.DAddr, Set: "b"}}, Verdict: nftapi.Verdict{Kind: nftapi.Jump, Chain: "to-b"}},
				nftapi.Rule{Matches: tcpPorts(portset.Range{First: 1, Last: 100}), Verdict: nftapi.Verdict{Kind: nftapi.Accept}},
			),
			{Name: "to-b", Rules: []nftapi.Rule{
				{Matches: tcpPorts(portset.Range{First: 80, Last: 80}), Verdict: nftapi.Verdict{Kind: nftapi.Drop}},
				{Matches: tcpPorts(portset.Range{First: 81, Last: 81}), Verdict: nftapi.Verdict{Kind: nftapi.Goto, Chain: "ret"}},
				{Matches: []nftapi.Match{nftapi.L4Proto{Protocols: []portset.Protocol{portset.UDP}}}, Verdict: nftapi.Verdict{Kind: nftapi.Accept}},
			}},
			{Name: "ret", Rules: []nftapi.Rule{{Verdict: nftapi.Verdict{Kind: nftapi.Return}}}},
		},
	}
	c := mustInterpret(t, rs)
	// To b: 80 dropped; 81 returns (goto) to the base chain, where 1-100
	// accepts; all UDP accepted; other TCP falls to 1-100 or the drop policy.
	want := "TCP/1-79,TCP/81-100,UDP/1-65535"
	if got := c.Ports("n/a", "n/b").String(); got != want {
		t.Errorf("a -> b: %s, want %s", got, want)
	}
	if got := c.Ports("n/b", "n/a").String(); got != "TCP/1-100" {
		t.Errorf("b -> a: %s, want TCP/1-100", got)
	}
}

func TestBaseChainsInPriorityOrder(t *testing.T) {
	allowTCP := forward(nftapi.Drop, 10, nftapi.Rule{Matches: []nftapi.Match{nftapi.L4Proto{Protocols: []portset.Protocol{portset.TCP}}}, Verdict: nftapi.Verdict{Kind: nftapi.Accept}})
	dropLow := forward(nftapi.Accept, -10, nftapi.Rule{Matches: tcpPorts(portset.Range{First: 1, Last: 1023}), Verdict: nftapi.Verdict{Kind: nftapi.Drop}})
	c := mustInterpret(t, &nftapi.Ruleset{Chains: []nftapi.Chain{allowTCP, dropLow}})
	if got := c.Ports("n/a", "n/b").String(); got != "TCP/1024-65535" {
		t.Errorf("a -> b: %s", got)
	}
}

func TestExternalPeersFromIntervalSets(t *testing.T) {
	rs := &nftapi.Ruleset{Sets: []nftapi.Set{
		{Name: "n1", Interval: true, Elements: []nftapi.Element{{From: addr("10.0.0.0"), To: addr("10.255.255.255")}}},
		{Name: "n2", Interval: true, Elements: []nftapi.Element{{From: addr("2001:db8::"), To: addr("2001:db8::ffff")}}},
	}}
	c := mustInterpret(t, rs)
	var names []string
	for _, e := range c.Endpoints {
		if e.Kind == enforcer.KindExternal {
			names = append(names, e.Name)
		}
	}
	want := "ip:0.0.0.0-9.255.255.255 ip:10.0.0.0-10.255.255.255 ip:11.0.0.0-255.255.255.255 " +
		"ip:::-2001:db7:ffff:ffff:ffff:ffff:ffff:ffff ip:2001:db8::-2001:db8::ffff ip:2001:db8::1:0-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("external peers:\n got %s\nwant %s", got, want)
	}
}

// An endpoint with no IP of a peer's family reaches its chains through the
// maps by its other IPs.
func TestEndpointWithoutFamilyUsesItsChains(t *testing.T) {
	rs := &nftapi.Ruleset{
		Sets: []nftapi.Set{{Name: "v6", Interval: true, Elements: []nftapi.Element{{From: addr("::"), To: addr("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")}}}},
		Maps: []nftapi.Map{{Name: "egress", Elements: []nftapi.MapElement{{Key: addr("10.0.0.1"), Verdict: nftapi.Verdict{Kind: nftapi.Jump, Chain: "out-a"}}}}},
		Chains: []nftapi.Chain{
			forward(nftapi.Accept, 0, nftapi.Rule{Verdict: nftapi.Verdict{Kind: nftapi.VMap, Map: "egress", Key: nftapi.SAddr}}),
			{Name: "out-a", Rules: []nftapi.Rule{
				{Matches: append([]nftapi.Match{nftapi.AddrIn{Field: nftapi.DAddr, Set: "v6"}}, tcpPorts(portset.Range{First: 443, Last: 443})...), Verdict: nftapi.Verdict{Kind: nftapi.Return}},
				{Verdict: nftapi.Verdict{Kind: nftapi.Drop}},
			}},
		},
	}
	c := mustInterpret(t, rs)
	if got := c.Ports("n/a", "ip:::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff").String(); got != "TCP/443" {
		t.Errorf("IPv4-only a -> IPv6 world: %s, want TCP/443", got)
	}
	if got := c.Ports("n/a", "n/b").String(); got != "none" {
		t.Errorf("a -> b: %s, want none", got)
	}
}

func TestWithExternalPeers(t *testing.T) {
	rs := &nftapi.Ruleset{
		Sets: []nftapi.Set{{Name: "ten", Interval: true, Elements: []nftapi.Element{{From: addr("10.0.0.0"), To: addr("10.255.255.255")}}}},
		Chains: []nftapi.Chain{forward(nftapi.Accept, 0,
			nftapi.Rule{Matches: []nftapi.Match{nftapi.AddrIn{Field: nftapi.SAddr, Set: "ten"}}, Verdict: nftapi.Verdict{Kind: nftapi.Drop}})},
	}
	// A peer the ruleset treats alike throughout is fine, whatever its
	// bounds; one it splits is an inconsistency.
	c := mustInterpret(t, rs, nftables.WithExternalPeers("ip:10.1.0.0-10.1.255.255", "ip:11.0.0.0-255.255.255.255"))
	if !c.Ports("ip:10.1.0.0-10.1.255.255", "n/a").IsEmpty() || !c.Ports("ip:11.0.0.0-255.255.255.255", "n/a").IsAll() {
		t.Errorf("wrong verdicts: %+v", c.Connections)
	}
	_, err := nftables.Interpret(rs, twoPods(), nftables.WithExternalPeers("ip:0.0.0.0-255.255.255.255"))
	if !errors.Is(err, nftables.ErrInconsistent) {
		t.Errorf("split peer: got %v, want ErrInconsistent", err)
	}
}

func TestInterpretErrors(t *testing.T) {
	chainTo := func(v nftapi.Verdict) []nftapi.Chain {
		return []nftapi.Chain{forward(nftapi.Accept, 0, nftapi.Rule{Verdict: v})}
	}
	tests := []struct {
		name string
		rs   *nftapi.Ruleset
		inv  func(*inventory.Inventory)
		is   error
	}{
		{"jump to a missing chain", &nftapi.Ruleset{Chains: chainTo(nftapi.Verdict{Kind: nftapi.Jump, Chain: "nope"})}, nil, nftables.ErrInvalid},
		{"missing map", &nftapi.Ruleset{Chains: chainTo(nftapi.Verdict{Kind: nftapi.VMap, Map: "nope", Key: nftapi.SAddr})}, nil, nftables.ErrInvalid},
		{"missing set", &nftapi.Ruleset{Chains: []nftapi.Chain{forward(nftapi.Accept, 0,
			nftapi.Rule{Matches: []nftapi.Match{nftapi.AddrIn{Field: nftapi.SAddr, Set: "nope"}}, Verdict: nftapi.Verdict{Kind: nftapi.Drop}})}}, nil, nftables.ErrInvalid},
		{"loop", &nftapi.Ruleset{Chains: append(chainTo(nftapi.Verdict{Kind: nftapi.Jump, Chain: "l"}),
			nftapi.Chain{Name: "l", Rules: []nftapi.Rule{{Verdict: nftapi.Verdict{Kind: nftapi.Jump, Chain: "l"}}}})}, nil, nftables.ErrInvalid},
		{"address set with a non-pod address", &nftapi.Ruleset{Sets: []nftapi.Set{{Name: "s", Elements: []nftapi.Element{one("192.0.2.1")}}}}, nil, nftables.ErrInvalid},
		{"map key not a pod", &nftapi.Ruleset{Maps: []nftapi.Map{{Name: "m", Elements: []nftapi.MapElement{{Key: addr("192.0.2.1"), Verdict: nftapi.Verdict{Kind: nftapi.Drop}}}}}}, nil, nftables.ErrInvalid},
		{"pods of one endpoint treated differently", &nftapi.Ruleset{
			Sets: []nftapi.Set{{Name: "s", Elements: []nftapi.Element{one("fd00::2")}}},
			Chains: []nftapi.Chain{forward(nftapi.Accept, 0,
				nftapi.Rule{Matches: []nftapi.Match{nftapi.AddrIn{Field: nftapi.SAddr, Set: "s"}}, Verdict: nftapi.Verdict{Kind: nftapi.Drop}})}},
			func(inv *inventory.Inventory) { inv.Endpoints[0].IPs = append(inv.Endpoints[0].IPs, addr("fd00::1")) },
			nftables.ErrInconsistent},
		{"endpoint without IPs", &nftapi.Ruleset{}, func(inv *inventory.Inventory) { inv.Endpoints[0].IPs = nil }, nftables.ErrNoPodIPs},
		{"IP of two endpoints", &nftapi.Ruleset{}, func(inv *inventory.Inventory) { inv.Endpoints[0].IPs = inv.Endpoints[1].IPs[:1] }, nftables.ErrInvalid},
		{"IP of a pod and a host-network pod", &nftapi.Ruleset{}, func(inv *inventory.Inventory) {
			inv.Endpoints[0].IPs = inv.Endpoints[1].IPs[:1]
			inv.Endpoints[0].HostNetwork = true
		}, nftables.ErrInvalid},
		{"map key a host-network pod's address", &nftapi.Ruleset{Maps: []nftapi.Map{{Name: "m", Elements: []nftapi.MapElement{
			{Key: addr("10.0.0.1"), Verdict: nftapi.Verdict{Kind: nftapi.Drop}}}}}},
			func(inv *inventory.Inventory) { inv.Endpoints[0].HostNetwork = true }, nftables.ErrInvalid},
		{"nat chain", &nftapi.Ruleset{Chains: []nftapi.Chain{{Name: "nat", Base: &nftapi.BaseChain{Type: "nat", Hook: nftapi.HookPrerouting}}}},
			nil, nftables.ErrUnsupported},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			inv := twoPods()
			if tc.inv != nil {
				tc.inv(&inv)
			}
			_, err := nftables.Interpret(tc.rs, inv)
			if !errors.Is(err, tc.is) {
				t.Errorf("got %v, want %v", err, tc.is)
			}
		})
	}
}
