// Package nftables emits an nftables ruleset (an `nft -f` transaction) that
// enforces the IR on one node, for a concrete inventory whose pods have
// known IPs.
//
// The ruleset is plain data, the types of emitters/nftables/nftapi
// (Ruleset, Set, Map, Chain, Rule, the Match kinds and Verdict), printed
// deterministically by Ruleset.String, so tests and the equivalence check
// (enforcer/nftables) read the same objects that are loaded into the kernel.
//
// # Enforcement
//
// One table, inet netpolc, hooks the node's forward path (and its input
// path, for traffic from pods to the node itself). Pods sit behind a
// bridge; with br_netfilter the bridged packets traverse the inet forward
// hook, as they do on a CNI-managed host. The hooks jump to one chain,
// enforce:
//
//	ct state established,related accept      replies and ICMP errors
//	icmpv6 type { nd-... } accept            neighbour discovery
//	ip saddr vmap @egress-v4                 the source pod's egress chain
//	ip6 saddr vmap @egress-v6
//	ip daddr vmap @ingress-v4                the destination pod's ingress chain
//	ip6 daddr vmap @ingress-v6
//
// The maps send each pod IP to the chain of its class (pods with the same
// rules share one chain, named after the first of them). An egress chain
// returns (on to the ingress dispatch) what it allows; an ingress chain
// accepts it; both end in drop when the pod is isolated in that direction,
// and pods that are not isolated have no chain. Deny rules (an admin
// target's, IR Action Deny) come first in the chain and drop. Traffic from
// the node to its pods (output hook) is not filtered: NetworkPolicy always
// allows a pod's node to reach it.
//
// # Addresses
//
// A Set or Map holds both address families (nftapi prints each family's
// half as its own nft set or map). Address sets (Interval false) hold pod
// IPs only: peers chosen by selectors, named-port destinations, and the
// other IPs of a pod that an ipBlock covers through one of them. Interval
// sets hold the networks of one ipBlock (cidr minus except) each, so the
// external address ranges an interpreter derives from them are the ones
// the NetworkPolicy model names.
//
// # Failing closed
//
// Build refuses what the ruleset cannot enforce exactly: endpoints without
// known IPs (named in the error), two endpoints sharing an IP, FQDN peers
// and Pass rules. It never emits a wider ruleset.
package nftables

// TableName is the name of the inet table netpolc owns.
const TableName = "netpolc"
