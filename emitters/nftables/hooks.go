package nftables

import (
	"github.com/netpolc/netpolc/emitters/nftables/nftapi"
)

// Priorities of the two base chains (nft(8), CHAINS: dstnat is -100,
// srcnat 100; lower runs first).
const (
	// postroutingPriority is srcnat - 5, where kube-network-policies hooks
	// its filter (pkg/dataplane/controller.go, syncNFTablesRules: "IPVS
	// packets follow a different path in netfilter, so we process
	// everything in the POSTROUTING hook before SNAT happens"). Every
	// packet the node forwards passes postrouting after every DNAT
	// kube-proxy makes — prerouting and output at dstnat in its iptables
	// and nftables modes, IPVS on the input hook, which sends the packet
	// on through output and postrouting and never through forward — and
	// before its masquerading at srcnat: the filter sees a Service
	// connection with the backend pod's address and port, the client's
	// own source address, as NetworkPolicy judges it.
	postroutingPriority = 95
	// inputPriority runs after IPVS's LOCAL_IN hook (NF_IP_PRI_NAT_SRC - 1,
	// 99: net/netfilter/ipvs/ip_vs_core.c, ip_vs_ops), which takes a pod's
	// connection to a Service address away before anything later on input
	// sees it: what reaches this chain is for the node itself.
	inputPriority = 100
)

// Indexes of b.unlisted (kit.DirIndex).
const (
	ingressIndex = 0
	egressIndex  = 1
)

// Names of the fixed regular chains.
const (
	egressChain  = "egress"
	ingressChain = "ingress"
)

// baseChains are postrouting, which filters every packet the node
// forwards to or from a pod (pod to pod, pod to and from the outside) by
// the source pod's egress rules and the destination pod's ingress rules,
// and input, which filters pods' packets to the node itself by their
// egress rules; then the two dispatch chains. The node's own traffic
// (host-network pods' included) is never filtered: NetworkPolicy always
// lets a pod's node reach it (kubelet probes). A pod reaching the node
// needs no ingress rule: the node is no pod.
func (b *builder) baseChains() []nftapi.Chain {
	accept := nftapi.Verdict{Kind: nftapi.Accept}
	replies := nftapi.Rule{Matches: []nftapi.Match{nftapi.CtState{States: []string{"established", "related"}}},
		Verdict: accept, Comment: "replies and ICMP errors of allowed connections"}
	nd := nftapi.Rule{Matches: []nftapi.Match{nftapi.ICMPv6Type{Types: []string{"nd-router-solicit", "nd-router-advert",
		"nd-neighbor-solicit", "nd-neighbor-advert"}}}, Verdict: accept, Comment: "IPv6 neighbour discovery"}
	toEgress := nftapi.Rule{Verdict: nftapi.Verdict{Kind: nftapi.Jump, Chain: egressChain}, Comment: "the source pod's egress rules"}
	toIngress := nftapi.Rule{Verdict: nftapi.Verdict{Kind: nftapi.Jump, Chain: ingressChain}, Comment: "the destination pod's ingress rules"}
	node := nftapi.Rule{Matches: []nftapi.Match{nftapi.LocalSAddr{}}, Verdict: accept,
		Comment: "the node's own traffic, host-network pods' too: NetworkPolicy always lets a node reach its pods"}
	// The node reaching itself (loopback) may come from an address of its
	// own inside the pod networks (a CNI gateway's, on bridge CNIs the
	// first of the node's pod CIDR), which the egress step would read as
	// a pod it does not list; kube-network-policies accepts loopback on
	// input for the same reason (iifname "lo" accept).
	self := nftapi.Rule{Matches: []nftapi.Match{nftapi.LocalSAddr{}}, Verdict: accept,
		Comment: "the node reaching itself"}
	return []nftapi.Chain{
		{Name: "postrouting", Base: &nftapi.BaseChain{Type: "filter", Hook: nftapi.HookPostrouting,
			Priority: postroutingPriority, Policy: nftapi.Accept}, Rules: []nftapi.Rule{node, replies, nd, toEgress, toIngress}},
		{Name: "input", Base: &nftapi.BaseChain{Type: "filter", Hook: nftapi.HookInput,
			Priority: inputPriority, Policy: nftapi.Accept}, Rules: []nftapi.Rule{self, replies, nd, toEgress}},
		b.dispatchChain(egressChain, nftapi.SAddr, b.unlisted[egressIndex], "the source"),
		b.dispatchChain(ingressChain, nftapi.DAddr, b.unlisted[ingressIndex], "the destination"),
	}
}

// dispatchChain looks the pod address up in the direction's map; when
// unlisted, an address of the pod networks the map does not hold is a pod
// the ruleset does not list, dropped (fail closed).
func (b *builder) dispatchChain(name string, field nftapi.AddrField, unlisted bool, who string) nftapi.Chain {
	c := nftapi.Chain{Name: name, Comment: who + " pod's " + name + " rules", Rules: []nftapi.Rule{
		{Verdict: nftapi.Verdict{Kind: nftapi.VMap, Map: name, Key: field}, Comment: "listed pods"},
	}}
	if unlisted {
		c.Rules = append(c.Rules, nftapi.Rule{Matches: []nftapi.Match{nftapi.AddrIn{Field: field, Set: nftapi.PodNetworksSet}},
			Verdict: nftapi.Verdict{Kind: nftapi.Drop}, Comment: "a pod this ruleset does not list (fail closed)"})
	}
	return c
}
