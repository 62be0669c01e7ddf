package nftapi_test

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/emitters/nftables/nftapi"
	"github.com/netpolc/netpolc/internal/portset"
)

func addr(s string) netip.Addr { return netip.MustParseAddr(s) }

// TestString pins the printed form: each logical set and map splits into
// its non-empty family halves, rules on them print once per family, an
// element that is one prefix prints as the prefix, and comments lose what
// nft cannot quote.
func TestString(t *testing.T) {
	rs := &nftapi.Ruleset{
		Table: "t",
		Sets: []nftapi.Set{{Name: "nets", Interval: true, Comment: `say "hi"`, Elements: []nftapi.Element{
			{From: addr("10.0.0.0"), To: addr("10.0.255.255")},
			{From: addr("10.1.0.1"), To: addr("10.1.0.9")},
		}}},
		Maps: []nftapi.Map{{Name: "in", Elements: []nftapi.MapElement{
			{Key: addr("fd00::1"), Verdict: nftapi.Verdict{Kind: nftapi.Jump, Chain: "c"}, Comment: "x/a"},
		}}},
		Chains: []nftapi.Chain{
			{Name: "fwd", Base: &nftapi.BaseChain{Type: "filter", Hook: nftapi.HookForward, Policy: nftapi.Accept},
				Rules: []nftapi.Rule{{Verdict: nftapi.Verdict{Kind: nftapi.VMap, Map: "in", Key: nftapi.DAddr}}}},
			{Name: "c", Rules: []nftapi.Rule{
				{Matches: []nftapi.Match{nftapi.AddrIn{Field: nftapi.SAddr, Set: "nets"},
					nftapi.L4Proto{Protocols: []portset.Protocol{portset.TCP, portset.UDP}},
					nftapi.DPort{Ranges: []portset.Range{{First: 80, Last: 80}, {First: 8000, Last: 8100}}}},
					Verdict: nftapi.Verdict{Kind: nftapi.Accept}, Comment: "line\nbreak"},
				{Verdict: nftapi.Verdict{Kind: nftapi.Drop}},
			}},
		},
	}
	want := `table inet t
delete table inet t
table inet t {
	set nets-v4 {
		type ipv4_addr
		flags interval
		comment "say 'hi'"
		elements = {
			10.0.0.0/16,
			10.1.0.1-10.1.0.9,
		}
	}
	map in-v6 {
		type ipv6_addr : verdict
		elements = {
			fd00::1 comment "x/a" : jump c,
		}
	}
	chain fwd {
		type filter hook forward priority filter; policy accept;
		ip6 daddr vmap @in-v6
	}
	chain c {
		ip saddr @nets-v4 meta l4proto { tcp, udp } th dport { 80, 8000-8100 } accept comment "line break"
		drop
	}
}
`
	if got := rs.String(); got != want {
		t.Errorf("String:\n%s\nwant:\n%s", got, want)
	}
}

// TestLongComment: the kernel keeps 127 bytes of a comment; String cuts
// longer ones at a rune boundary.
func TestLongComment(t *testing.T) {
	rs := &nftapi.Ruleset{Table: "t", Comment: strings.Repeat("é", 100)}
	line := strings.Split(rs.String(), "\n")[3]
	quoted := strings.TrimPrefix(line, "\tcomment ")
	if len(quoted) > 127+2 || !strings.HasSuffix(quoted, `..."`) || !strings.HasPrefix(quoted, `"é`) {
		t.Errorf("comment line %q: want at most 127 bytes, cut with ...", line)
	}
}

// TestLocalSAddr prints the node's own traffic match as fib reads it.
func TestLocalSAddr(t *testing.T) {
	r := nftapi.Rule{Matches: []nftapi.Match{nftapi.LocalSAddr{}}, Verdict: nftapi.Verdict{Kind: nftapi.Accept}}
	if got := r.Line(""); got != "fib saddr type local accept" {
		t.Errorf("got %q", got)
	}
}
