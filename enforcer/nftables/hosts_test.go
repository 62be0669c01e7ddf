package nftables_test

import (
	"errors"
	"net/netip"
	"testing"

	"github.com/netpolc/netpolc/emitters/nftables/nftapi"
	"github.com/netpolc/netpolc/enforcer/nftables"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/portset"
)

// withHosts is twoPods plus two host-network pods of one node, sharing its
// address 10.0.0.100.
func withHosts() inventory.Inventory {
	inv := twoPods()
	for _, name := range []string{"h1", "h2"} {
		inv.Endpoints = append(inv.Endpoints, inventory.Endpoint{Namespace: "sys", Name: name, Kind: "DaemonSet",
			IPs: []netip.Addr{addr("10.0.0.100")}, HostNetwork: true})
	}
	return inv
}

func base(hook nftapi.Hook, rules ...nftapi.Rule) nftapi.Chain {
	return nftapi.Chain{Name: string(hook), Base: &nftapi.BaseChain{Type: "filter", Hook: hook, Policy: nftapi.Accept}, Rules: rules}
}

var (
	dropAll  = nftapi.Rule{Verdict: nftapi.Verdict{Kind: nftapi.Drop}}
	dropTCP  = nftapi.Rule{Matches: []nftapi.Match{nftapi.L4Proto{Protocols: []portset.Protocol{portset.TCP}}}, Verdict: nftapi.Verdict{Kind: nftapi.Drop}}
	nodeSelf = nftapi.Rule{Matches: []nftapi.Match{nftapi.LocalSAddr{}}, Verdict: nftapi.Verdict{Kind: nftapi.Accept}}
)

// TestPaths: each connection meets the hooks of its path. Pod to pod is
// forwarded; a host-network pod's traffic leaves the node itself (output,
// postrouting, a local source) and traffic to it enters the node (input).
func TestPaths(t *testing.T) {
	tests := []struct {
		name   string
		chains []nftapi.Chain
		opts   []nftables.Option
		want   map[[2]string]string
	}{
		{"forward only filters forwarded traffic", []nftapi.Chain{base(nftapi.HookForward, dropAll)}, nil,
			map[[2]string]string{{"n/a", "n/b"}: "none", {"sys/h1", "n/b"}: "all", {"n/a", "sys/h1"}: "all", {"sys/h1", "sys/h2"}: "all"}},
		{"input filters traffic to the node", []nftapi.Chain{base(nftapi.HookInput, dropTCP)}, nil,
			map[[2]string]string{{"n/a", "n/b"}: "all", {"n/a", "sys/h1"}: "UDP/1-65535,SCTP/1-65535", {"sys/h1", "n/a"}: "all",
				{"sys/h1", "sys/h2"}: "UDP/1-65535,SCTP/1-65535"}},
		{"postrouting lets the node's own traffic through", []nftapi.Chain{base(nftapi.HookPostrouting, nodeSelf, dropAll)}, nil,
			map[[2]string]string{{"n/a", "n/b"}: "none", {"sys/h1", "n/b"}: "all", {"n/a", "sys/h1"}: "all", {"ip:0.0.0.0-255.255.255.255", "n/a"}: "none"}},
		{"a host of another node is forwarded from its address", []nftapi.Chain{base(nftapi.HookPostrouting, nodeSelf, dropAll)},
			[]nftables.Option{nftables.WithRemoteHosts("sys/h2")},
			map[[2]string]string{{"sys/h1", "n/b"}: "all", {"sys/h2", "n/b"}: "none", {"n/a", "sys/h2"}: "none"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := nftables.Interpret(&nftapi.Ruleset{Chains: tc.chains}, withHosts(), tc.opts...)
			if err != nil {
				t.Fatal(err)
			}
			for pair, want := range tc.want {
				if got := c.Ports(pair[0], pair[1]).String(); got != want {
					t.Errorf("%s -> %s: %s, want %s", pair[0], pair[1], got, want)
				}
			}
		})
	}
	_, err := nftables.Interpret(&nftapi.Ruleset{}, withHosts(), nftables.WithRemoteHosts("n/a"))
	if !errors.Is(err, nftables.ErrInvalid) {
		t.Errorf("a pod as remote host: %v, want ErrInvalid", err)
	}
}

// TestPodNetworks: an external peer is read outside the pod networks,
// where it has addresses there; a peer wholly inside them is read as the
// unlisted pods it holds.
func TestPodNetworks(t *testing.T) {
	rs := &nftapi.Ruleset{
		Sets: []nftapi.Set{{Name: nftapi.PodNetworksSet, Interval: true,
			Elements: []nftapi.Element{{From: addr("10.1.0.0"), To: addr("10.1.255.255")}}}},
		Chains: []nftapi.Chain{base(nftapi.HookPostrouting,
			nftapi.Rule{Matches: []nftapi.Match{nftapi.AddrIn{Field: nftapi.SAddr, Set: nftapi.PodNetworksSet}}, Verdict: nftapi.Verdict{Kind: nftapi.Drop}})},
	}
	c, err := nftables.Interpret(rs, twoPods(), nftables.WithExternalPeers("ip:0.0.0.0-255.255.255.255"))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Ports("ip:0.0.0.0-255.255.255.255", "n/a").String(); got != "all" {
		t.Errorf("world -> a: %s, want all (read outside the pod networks)", got)
	}
	c, err = nftables.Interpret(rs, twoPods(), nftables.WithExternalPeers("ip:0.0.0.0-10.0.255.255", "ip:10.1.0.0-10.1.255.255", "ip:10.2.0.0-255.255.255.255"))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Ports("ip:10.1.0.0-10.1.255.255", "n/a").String(); got != "none" {
		t.Errorf("pod networks -> a: %s, want none", got)
	}
}
