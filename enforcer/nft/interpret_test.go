package nft_test

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	nf "github.com/netpolc/netpolc/emitters/nftables"
	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/enforcer/nft"
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

func one(s string) nf.Element { return nf.Element{From: addr(s), To: addr(s)} }

func forward(policy nf.VerdictKind, prio int, rules ...nf.Rule) nf.Chain {
	return nf.Chain{Name: "fwd" + string(policy), Base: &nf.BaseChain{Type: "filter", Hook: nf.HookForward, Priority: prio, Policy: policy}, Rules: rules}
}

func tcpPorts(ranges ...portset.Range) []nf.Match {
	return []nf.Match{nf.L4Proto{Protocols: []portset.Protocol{portset.TCP}}, nf.DPort{Ranges: ranges}}
}

func mustInterpret(t *testing.T, rs *nf.Ruleset, opts ...nft.Option) *enforcer.Connectivity {
	t.Helper()
	c, err := nft.Interpret(rs, twoPods(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestChainSemantics(t *testing.T) {
	rs := &nf.Ruleset{
		Sets: []nf.Set{{Name: "b", Elements: []nf.Element{one("10.0.0.2"), one("fd00::2")}}},
		Chains: []nf.Chain{
			forward(nf.Drop, 0,
				nf.Rule{Matches: []nf.Match{nf.CtState{States: []string{"established"}}}, Verdict: nf.Verdict{Kind: nf.Accept}},
				nf.Rule{Matches: []nf.Match{nf.AddrIn{Field: nf.DAddr, Set: "b"}}, Verdict: nf.Verdict{Kind: nf.Jump, Chain: "to-b"}},
				nf.Rule{Matches: tcpPorts(portset.Range{First: 1, Last: 100}), Verdict: nf.Verdict{Kind: nf.Accept}},
			),
			{Name: "to-b", Rules: []nf.Rule{
				{Matches: tcpPorts(portset.Range{First: 80, Last: 80}), Verdict: nf.Verdict{Kind: nf.Drop}},
				{Matches: tcpPorts(portset.Range{First: 81, Last: 81}), Verdict: nf.Verdict{Kind: nf.Goto, Chain: "ret"}},
				{Matches: []nf.Match{nf.L4Proto{Protocols: []portset.Protocol{portset.UDP}}}, Verdict: nf.Verdict{Kind: nf.Accept}},
			}},
			{Name: "ret", Rules: []nf.Rule{{Verdict: nf.Verdict{Kind: nf.Return}}}},
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
	allowTCP := forward(nf.Drop, 10, nf.Rule{Matches: []nf.Match{nf.L4Proto{Protocols: []portset.Protocol{portset.TCP}}}, Verdict: nf.Verdict{Kind: nf.Accept}})
	dropLow := forward(nf.Accept, -10, nf.Rule{Matches: tcpPorts(portset.Range{First: 1, Last: 1023}), Verdict: nf.Verdict{Kind: nf.Drop}})
	c := mustInterpret(t, &nf.Ruleset{Chains: []nf.Chain{allowTCP, dropLow}})
	if got := c.Ports("n/a", "n/b").String(); got != "TCP/1024-65535" {
		t.Errorf("a -> b: %s", got)
	}
}

func TestExternalPeersFromIntervalSets(t *testing.T) {
	rs := &nf.Ruleset{Sets: []nf.Set{
		{Name: "n1", Interval: true, Elements: []nf.Element{{From: addr("10.0.0.0"), To: addr("10.255.255.255")}}},
		{Name: "n2", Interval: true, Elements: []nf.Element{{From: addr("2001:db8::"), To: addr("2001:db8::ffff")}}},
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
	rs := &nf.Ruleset{
		Sets: []nf.Set{{Name: "v6", Interval: true, Elements: []nf.Element{{From: addr("::"), To: addr("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")}}}},
		Maps: []nf.Map{{Name: "egress", Elements: []nf.MapElement{{Key: addr("10.0.0.1"), Verdict: nf.Verdict{Kind: nf.Jump, Chain: "out-a"}}}}},
		Chains: []nf.Chain{
			forward(nf.Accept, 0, nf.Rule{Verdict: nf.Verdict{Kind: nf.VMap, Map: "egress", Key: nf.SAddr}}),
			{Name: "out-a", Rules: []nf.Rule{
				{Matches: append([]nf.Match{nf.AddrIn{Field: nf.DAddr, Set: "v6"}}, tcpPorts(portset.Range{First: 443, Last: 443})...), Verdict: nf.Verdict{Kind: nf.Return}},
				{Verdict: nf.Verdict{Kind: nf.Drop}},
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
	rs := &nf.Ruleset{
		Sets: []nf.Set{{Name: "ten", Interval: true, Elements: []nf.Element{{From: addr("10.0.0.0"), To: addr("10.255.255.255")}}}},
		Chains: []nf.Chain{forward(nf.Accept, 0,
			nf.Rule{Matches: []nf.Match{nf.AddrIn{Field: nf.SAddr, Set: "ten"}}, Verdict: nf.Verdict{Kind: nf.Drop}})},
	}
	// A peer the ruleset treats alike throughout is fine, whatever its
	// bounds; one it splits is an inconsistency.
	c := mustInterpret(t, rs, nft.WithExternalPeers("ip:10.1.0.0-10.1.255.255", "ip:11.0.0.0-255.255.255.255"))
	if !c.Ports("ip:10.1.0.0-10.1.255.255", "n/a").IsEmpty() || !c.Ports("ip:11.0.0.0-255.255.255.255", "n/a").IsAll() {
		t.Errorf("wrong verdicts: %+v", c.Connections)
	}
	_, err := nft.Interpret(rs, twoPods(), nft.WithExternalPeers("ip:0.0.0.0-255.255.255.255"))
	if !errors.Is(err, nft.ErrInconsistent) {
		t.Errorf("split peer: got %v, want ErrInconsistent", err)
	}
}

func TestInterpretErrors(t *testing.T) {
	chainTo := func(v nf.Verdict) []nf.Chain { return []nf.Chain{forward(nf.Accept, 0, nf.Rule{Verdict: v})} }
	tests := []struct {
		name string
		rs   *nf.Ruleset
		inv  func(*inventory.Inventory)
		is   error
	}{
		{"jump to a missing chain", &nf.Ruleset{Chains: chainTo(nf.Verdict{Kind: nf.Jump, Chain: "nope"})}, nil, nft.ErrInvalid},
		{"missing map", &nf.Ruleset{Chains: chainTo(nf.Verdict{Kind: nf.VMap, Map: "nope", Key: nf.SAddr})}, nil, nft.ErrInvalid},
		{"missing set", &nf.Ruleset{Chains: []nf.Chain{forward(nf.Accept, 0,
			nf.Rule{Matches: []nf.Match{nf.AddrIn{Field: nf.SAddr, Set: "nope"}}, Verdict: nf.Verdict{Kind: nf.Drop}})}}, nil, nft.ErrInvalid},
		{"loop", &nf.Ruleset{Chains: append(chainTo(nf.Verdict{Kind: nf.Jump, Chain: "l"}),
			nf.Chain{Name: "l", Rules: []nf.Rule{{Verdict: nf.Verdict{Kind: nf.Jump, Chain: "l"}}}})}, nil, nft.ErrInvalid},
		{"address set with a non-pod address", &nf.Ruleset{Sets: []nf.Set{{Name: "s", Elements: []nf.Element{one("192.0.2.1")}}}}, nil, nft.ErrInvalid},
		{"map key not a pod", &nf.Ruleset{Maps: []nf.Map{{Name: "m", Elements: []nf.MapElement{{Key: addr("192.0.2.1"), Verdict: nf.Verdict{Kind: nf.Drop}}}}}}, nil, nft.ErrInvalid},
		{"pods of one endpoint treated differently", &nf.Ruleset{
			Sets: []nf.Set{{Name: "s", Elements: []nf.Element{one("fd00::2")}}},
			Chains: []nf.Chain{forward(nf.Accept, 0,
				nf.Rule{Matches: []nf.Match{nf.AddrIn{Field: nf.SAddr, Set: "s"}}, Verdict: nf.Verdict{Kind: nf.Drop}})}},
			func(inv *inventory.Inventory) { inv.Endpoints[0].IPs = append(inv.Endpoints[0].IPs, addr("fd00::1")) },
			nft.ErrInconsistent},
		{"endpoint without IPs", &nf.Ruleset{}, func(inv *inventory.Inventory) { inv.Endpoints[0].IPs = nil }, nft.ErrNoPodIPs},
		{"IP of two endpoints", &nf.Ruleset{}, func(inv *inventory.Inventory) { inv.Endpoints[0].IPs = inv.Endpoints[1].IPs[:1] }, nft.ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			inv := twoPods()
			if tc.inv != nil {
				tc.inv(&inv)
			}
			_, err := nft.Interpret(tc.rs, inv)
			if !errors.Is(err, tc.is) {
				t.Errorf("got %v, want %v", err, tc.is)
			}
		})
	}
}
