package nftables_test

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/enforcer"

	"github.com/netpolc/netpolc/emitters/nftables"
	"github.com/netpolc/netpolc/emitters/nftables/nftapi"
	readnft "github.com/netpolc/netpolc/enforcer/nftables"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
)

// withReplica is inv plus a pod the ruleset was not built for: a new
// replica of x/a ("x/a-new", same labels and ports) at 10.244.1.9 and
// fd00:244::1:9, inside the pod networks.
func withReplica(inv inventory.Inventory) inventory.Inventory {
	out := inv
	out.Endpoints = append([]inventory.Endpoint(nil), inv.Endpoints...)
	for _, ep := range inv.Endpoints {
		if ep.ID() == "x/a" {
			ep.Name = "a-new"
			ep.IPs = []netip.Addr{netip.MustParseAddr("10.244.1.9"), netip.MustParseAddr("fd00:244::1:9")}
			out.Endpoints = append(out.Endpoints, ep)
		}
	}
	out.Sort()
	return out
}

// withPodCIDRs declares the conformance cluster's pod networks.
func withPodCIDRs(p *ir.Policy) *ir.Policy {
	q := *p
	q.PodCIDRs = podCIDRs
	return &q
}

// TestUnlistedPodFailsClosed: a replica started after the build has an IP
// the ruleset does not list. Inside the declared pod networks its traffic
// is dropped in every direction some pod is isolated in, so it never gets
// more than the workload it belongs to.
func TestUnlistedPodFailsClosed(t *testing.T) {
	inv := confInventory()
	p := withPodCIDRs(policy(isolate(xa, in, out), allow(xa, out, localPods(labels("pod", "b")), 10),
		allow(xa, in, localPods(labels("pod", "c")), 11)))
	rs, err := nftables.Build(p, inv)
	if err != nil {
		t.Fatal(err)
	}
	got, err := readnft.Interpret(rs, withReplica(inv))
	if err != nil {
		t.Fatalf("%v\n%s", err, rs)
	}
	for _, c := range got.Connections {
		if c.Src == "x/a-new" || c.Dst == "x/a-new" {
			t.Errorf("the unlisted replica is allowed %s -> %s: %s", c.Src, c.Dst, c.Ports)
		}
	}
}

// TestUnlistedPodWithoutPodCIDRs: without pod networks the ruleset cannot
// tell an unlisted pod from an external address, and the build says so.
func TestUnlistedPodWithoutPodCIDRs(t *testing.T) {
	p := policy(isolate(xa, out))
	res, err := nftables.BuildResult(p, confInventory(), false)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0].Message, "cluster.podCIDRs") {
		t.Fatalf("warnings %v: want one naming cluster.podCIDRs", res.Warnings)
	}
	if got := res.Warnings[0].Origin.Pos.String(); got != at(1).Pos.String() {
		t.Errorf("warning at %q, want at the isolation it is about (%s)", got, at(1).Pos)
	}
	res, err = nftables.BuildResult(withPodCIDRs(p), confInventory(), false)
	if err != nil || len(res.Warnings) != 0 {
		t.Errorf("with pod CIDRs: %v, warnings %v", err, res.Warnings)
	}
}

// TestServiceTrafficHooks: kube-proxy rewrites a Service's address to a
// backend pod's (DNAT) in prerouting and output at priority dstnat in its
// iptables and nftables modes, and in IPVS mode on the input hook at
// srcnat-1 (net/netfilter/ipvs/ip_vs_core.c, ip_vs_ops: LOCAL_IN at
// NF_IP_PRI_NAT_SRC - 1), sending the packet on through output and
// postrouting, never forward. The ruleset must judge a connection by its
// backend: its pod filter runs in postrouting after every DNAT and before
// SNAT (kube-network-policies, pkg/dataplane/controller.go: priority
// srcnat - 5), and its input chain only after IPVS has taken service
// traffic away.
func TestServiceTrafficHooks(t *testing.T) {
	rs, err := nftables.Build(policy(isolate(xa, in, out)), confInventory())
	if err != nil {
		t.Fatal(err)
	}
	hooks := map[nftapi.Hook]int{}
	for _, c := range rs.Chains {
		if c.Base == nil {
			continue
		}
		hooks[c.Base.Hook]++
		switch c.Base.Hook {
		case nftapi.HookPostrouting:
			if c.Base.Priority <= -100 || c.Base.Priority >= 100 {
				t.Errorf("chain %s: postrouting priority %d is not between dstnat and srcnat", c.Name, c.Base.Priority)
			}
		case nftapi.HookInput:
			if c.Base.Priority <= 99 {
				t.Errorf("chain %s: input priority %d runs before IPVS (99) sees service traffic", c.Name, c.Base.Priority)
			}
		default:
			t.Errorf("chain %s on hook %s: service traffic may bypass it or reach it before DNAT", c.Name, c.Base.Hook)
		}
	}
	if hooks[nftapi.HookPostrouting] != 1 || hooks[nftapi.HookInput] != 1 {
		t.Errorf("base chains per hook: %v, want one postrouting and one input chain", hooks)
	}
}

// TestConformanceWithPodCIDRs: with the pod networks declared, every
// conformance case is either enforced exactly or, where an ipBlock names
// pod network addresses no listed pod has, refused; under approximation
// such a case is narrower, with a warning per rule, never wider.
func TestConformanceWithPodCIDRs(t *testing.T) {
	inv := confInventory()
	built := 0
	for _, c := range confCases {
		t.Run(c.name, func(t *testing.T) {
			p := withPodCIDRs(c.p)
			m := reference(t, p, inv)
			if _, err := nftables.Build(p, inv); err != nil {
				if !errors.Is(err, kit.ErrUnsupported) || !strings.Contains(err.Error(), "cluster.podCIDRs") {
					t.Fatalf("refused: %v", err)
				}
				res, err := nftables.BuildResult(p, inv, true)
				if err != nil {
					t.Fatal(err)
				}
				v := newAddrView(t, p, inv, m)
				got, err := readnft.Interpret(res.Ruleset, v.inv, readnft.WithExternalPeers(v.model.ExternalPeers()...))
				if err != nil {
					t.Fatal(err)
				}
				if d := enforcer.Diff(v.matrix, got); d.Wider() || d.Empty() || len(res.Narrowed) == 0 {
					t.Errorf("approximated: wider %v, empty %v, %d warnings", d.Wider(), d.Empty(), len(res.Narrowed))
				}
				return
			}
			checkInterpreted(t, p, inv, m)
			built++
		})
	}
	if built < len(confCases)-5 {
		t.Errorf("only %d of %d cases built with pod CIDRs", built, len(confCases))
	}
}

// TestUnlistedBetweenBlocks: blocks on both sides of a pod network range
// make it a peer of its own, which the ruleset reads as unlisted pods: the
// rules with those blocks are refused.
func TestUnlistedBetweenBlocks(t *testing.T) {
	p := withPodCIDRs(policy(isolate(xa, out), allow(xa, out, cidr("10.244.1.0/24"), 10), allow(xa, out, cidr("10.244.3.0/24"), 11)))
	p.PodCIDRs = []string{"10.244.0.0/16"}
	_, err := nftables.Build(p, confInventory())
	if err == nil || !strings.Contains(err.Error(), "ip:10.244.2.0-10.244.2.255") {
		t.Errorf("got %v, want a refusal naming 10.244.2.0/24", err)
	}
}
