// Package nftables emits an nftables ruleset (an `nft -f` transaction) that
// enforces the IR on one node, for a concrete inventory whose pods have
// known IPs.
//
// The ruleset is plain data (Ruleset, Set, Map, Chain, Rule, the Match
// kinds and Verdict), printed deterministically by String, so tests and the
// equivalence check (enforcer/nft) read the same objects that are loaded
// into the kernel.
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
// An nft set or map holds one address family, so a Set or Map here is a
// logical object holding both; String prints each as <name>-v4 and
// <name>-v6 (the non-empty ones) and every rule that refers to it once per
// family. Address sets (Interval false) hold pod IPs only: peers chosen by
// selectors, named-port destinations, and the other IPs of a pod that an
// ipBlock covers through one of them. Interval sets hold the networks of
// one ipBlock (cidr minus except) each, so the external address ranges an
// interpreter derives from them are the ones the NetworkPolicy model names.
//
// # Failing closed
//
// Build refuses what the ruleset cannot enforce exactly: endpoints without
// known IPs (named in the error), two endpoints sharing an IP, FQDN peers
// and Pass rules. It never emits a wider ruleset.
package nftables

import (
	"net/netip"

	"github.com/netpolc/netpolc/internal/portset"
)

// TableName is the name of the inet table netpolc owns.
const TableName = "netpolc"

// Ruleset is one nft table and everything in it.
type Ruleset struct {
	// Table is the name of the inet table (TableName). Loading the ruleset
	// replaces the whole table atomically.
	Table   string
	Comment string
	Sets    []Set   // sorted by name
	Maps    []Map   // sorted by name
	Chains  []Chain // base chains and enforce, then the pods' chains by name
}

// Set is a named set of addresses of both families.
type Set struct {
	Name string
	// Interval marks a set of networks (prefixes and ranges); otherwise
	// the set holds single pod IPs.
	Interval bool
	Elements []Element // sorted by address, IPv4 first
	Comment  string
}

// Element is one set element: the addresses From..To, inclusive. From and
// To are equal for a single address and are of one family.
type Element struct {
	From, To netip.Addr
	Comment  string
}

// Map is a named verdict map keyed by address (both families).
type Map struct {
	Name     string
	Elements []MapElement // sorted by key, IPv4 first
	Comment  string
}

// MapElement maps one address to a verdict.
type MapElement struct {
	Key     netip.Addr
	Verdict Verdict
	Comment string
}

// Chain is a base chain (Base set) or a regular chain.
type Chain struct {
	Name    string
	Base    *BaseChain
	Comment string
	Rules   []Rule
}

// Hook is a netfilter hook a base chain attaches to.
type Hook string

// Hooks of the inet family.
const (
	HookPrerouting  Hook = "prerouting"
	HookInput       Hook = "input"
	HookForward     Hook = "forward"
	HookOutput      Hook = "output"
	HookPostrouting Hook = "postrouting"
)

// BaseChain is what makes a chain a base chain.
type BaseChain struct {
	Type     string // "filter"
	Hook     Hook
	Priority int         // 0 is "filter"; lower runs first
	Policy   VerdictKind // Accept or Drop
}

// Rule is a list of matches, all of which must hold, and a verdict.
type Rule struct {
	Matches []Match
	Verdict Verdict
	Comment string
}

// VerdictKind is what a rule does with a matching packet.
type VerdictKind string

// Verdict kinds. VMap looks the verdict up in a map by an address.
const (
	Accept VerdictKind = "accept"
	Drop   VerdictKind = "drop"
	Return VerdictKind = "return"
	Jump   VerdictKind = "jump"
	Goto   VerdictKind = "goto"
	VMap   VerdictKind = "vmap"
)

// Verdict is a rule's verdict. Chain is set for Jump and Goto; Map and Key
// for VMap.
type Verdict struct {
	Kind  VerdictKind
	Chain string
	Map   string
	Key   AddrField
}

// AddrField is the address a match or map lookup reads.
type AddrField string

// Address fields.
const (
	SAddr AddrField = "saddr"
	DAddr AddrField = "daddr"
)

// Match is one condition of a rule: CtState, AddrIn, L4Proto, DPort or
// ICMPv6Type.
type Match interface{ isMatch() }

// CtState matches the conntrack state of the packet ("new",
// "established", "related", "invalid", "untracked").
type CtState struct{ States []string }

// AddrIn matches when the address is in the named Set.
type AddrIn struct {
	Field AddrField
	Set   string
}

// L4Proto matches the transport protocol.
type L4Proto struct{ Protocols []portset.Protocol }

// DPort matches the transport destination port (th dport). It follows an
// L4Proto match in the same rule.
type DPort struct{ Ranges []portset.Range }

// ICMPv6Type matches ICMPv6 messages of the given types (nft names, such
// as "nd-neighbor-solicit").
type ICMPv6Type struct{ Types []string }

func (CtState) isMatch()    {}
func (AddrIn) isMatch()     {}
func (L4Proto) isMatch()    {}
func (DPort) isMatch()      {}
func (ICMPv6Type) isMatch() {}

// Set returns the set called name, or nil.
func (rs *Ruleset) Set(name string) *Set {
	for i := range rs.Sets {
		if rs.Sets[i].Name == name {
			return &rs.Sets[i]
		}
	}
	return nil
}

// Map returns the map called name, or nil.
func (rs *Ruleset) Map(name string) *Map {
	for i := range rs.Maps {
		if rs.Maps[i].Name == name {
			return &rs.Maps[i]
		}
	}
	return nil
}

// Chain returns the chain called name, or nil.
func (rs *Ruleset) Chain(name string) *Chain {
	for i := range rs.Chains {
		if rs.Chains[i].Name == name {
			return &rs.Chains[i]
		}
	}
	return nil
}
