// Package nftapi holds the nftables objects netpolc emits: one inet table
// (Ruleset) with its sets, verdict maps and chains, as plain data printed
// deterministically by String as one `nft -f` transaction.
//
// It is in the spirit of kubernetes-sigs/knftables' types.go: plain
// structs for the nft objects, no kernel access, a fixed print order.
// The emitter (emitters/nftables) builds these objects and the
// interpreter (enforcer/nftables) reads them back, so the equivalence
// proof evaluates the very ruleset that is loaded into the kernel; both
// import this package and neither the other.
//
// # Addresses
//
// An nft set or map holds one address family (nft(8), SETS and MAPS: a
// set has one type, here ipv4_addr or ipv6_addr), so a Set or Map here is
// a logical object holding both; String prints each as <name>-v4 and
// <name>-v6 (the non-empty ones) and every rule that refers to it once
// per family.
package nftapi

import (
	"net/netip"

	"github.com/netpolc/netpolc/internal/portset"
)

// Ruleset is one nft table and everything in it.
type Ruleset struct {
	// Table is the name of the inet table. Loading the ruleset replaces
	// the whole table atomically.
	Table   string
	Comment string
	Sets    []Set   // printed in this order (the emitter sorts them by name)
	Maps    []Map   // printed in this order (the emitter sorts them by name)
	Chains  []Chain // printed in this order
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
	// Log, when set, sends every packet the rule matches to an nflog
	// group before the verdict applies: the staged form's log-and-accept.
	Log     *Log
	Verdict Verdict
	Comment string
}

// Log is nft's log statement towards an nflog group (nft(8), LOG
// STATEMENT: log prefix "..." group N): the packet and the prefix go to
// the userspace listeners of the group (ulogd, a test's netlink socket)
// through nfnetlink_log, nothing to the kernel log.
type Log struct {
	Group  uint16
	Prefix string // at most MaxLogPrefix bytes, no double quotes
}

// MaxLogPrefix is the longest log prefix the kernel keeps: NF_LOG_PREFIXLEN
// (128, include/net/netfilter/nf_log.h) less the terminating NUL, which
// is also the bound of nft_log's netlink policy for NFTA_LOG_PREFIX
// (net/netfilter/nft_log.c).
const MaxLogPrefix = 127

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

// Match is one condition of a rule: CtState, AddrIn, LocalSAddr, L4Proto,
// DPort or ICMPv6Type.
type Match interface{ isMatch() }

// CtState matches the conntrack state of the packet ("new",
// "established", "related", "invalid", "untracked").
type CtState struct{ States []string }

// AddrIn matches when the address is in the named Set.
type AddrIn struct {
	Field AddrField
	Set   string
}

// LocalSAddr matches a packet whose source address is one of the node's
// own (fib saddr type local): traffic the node itself sends, its
// host-network pods' included, as opposed to traffic it forwards for its
// pods.
type LocalSAddr struct{}

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
func (LocalSAddr) isMatch() {}
func (L4Proto) isMatch()    {}
func (DPort) isMatch()      {}
func (ICMPv6Type) isMatch() {}

// PodNetworksSet names the interval Set of the cluster's pod networks
// (cluster.podCIDRs), when the ruleset has them: an address in it that no
// pod of the ruleset has is a pod the ruleset does not list (one started
// after it was built), whose traffic the ruleset drops.
const PodNetworksSet = "pod-networks"

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
