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
// One table, inet netpolc, hooks postrouting at priority srcnat - 5 (every
// packet the node forwards for its pods, after kube-proxy's DNAT, before
// its masquerading; see hooks.go) and input at srcnat (pods' packets to
// the node itself, after IPVS has taken service traffic away). Pods sit
// behind a bridge; with br_netfilter the bridged packets traverse the inet
// hooks, as they do on a CNI-managed host. Postrouting lets the node's own
// traffic through (fib saddr type local: NetworkPolicy always lets a node
// reach its pods), then:
//
//	ct state established,related accept      replies and ICMP errors
//	icmpv6 type { nd-... } accept            neighbour discovery
//	jump egress                              ip saddr vmap @egress-v4 ...
//	jump ingress                             ip daddr vmap @ingress-v4 ...
//
// and input the same without the ingress step. The maps send each pod IP
// (goto) to the chain of its class (pods with the same rules share one
// chain, named after the first of them). An egress chain returns (on to
// the ingress step) what it allows; an ingress chain accepts it; both end
// in drop when the pod is isolated in that direction, and pods that are
// not isolated have no chain. Deny rules (an admin target's, IR Action
// Deny) come first in the chain and drop. The platform layer's admin and
// baseline intents take their places around the teams' rules in the
// model's order (platform.go).
//
// # Host-network pods and pods the ruleset does not list
//
// A host-network pod's addresses are its node's: the ruleset treats it as
// the node (hostnet.go). With cluster.podCIDRs declared, an address of the
// pod networks that no listed pod has is a pod started after the build,
// and is dropped in every direction some pod is restricted in
// (podnets.go); without them the build warns that such a pod is read as
// an external address.
//
// # Addresses
//
// A Set or Map holds both address families (nftapi prints each family's
// half as its own nft set or map). Address sets (Interval false) hold the
// inventory's addresses only: pods chosen by selectors, named-port
// destinations, and the other IPs of a pod (or of a host-network pod) that
// an ipBlock covers through one of them. Interval sets hold the networks
// of one ipBlock (cidr minus except) each, so the external address ranges
// an interpreter derives from them are the ones the NetworkPolicy model
// names, and the pod networks (nftapi.PodNetworksSet).
//
// # Failing closed
//
// Build refuses what the ruleset cannot enforce exactly: endpoints without
// known IPs (named in the error), two endpoints sharing an IP (other than
// host-network pods of one node), FQDN peers, Pass rules, and what
// host-network pods and unlisted pods leave it unable to enforce
// (narrowed with a warning under BuildResult's allowApproximate where the
// result is narrower). It never emits a wider ruleset.
package nftables

// tableName is the name of the inet table netpolc owns.
const tableName = "netpolc"
