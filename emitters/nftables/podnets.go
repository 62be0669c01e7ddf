package nftables

import (
	"fmt"
	"slices"
	"strings"

	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/emitters/nftables/nftapi"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/netset"
)

// Pods the ruleset does not list. A ruleset names pods by their addresses
// at build time; a pod started later (a new replica) has an address no map
// or set holds. Outside the declared pod networks it cannot be told from
// an external address. Inside them (cluster.podCIDRs) the ruleset fails
// closed: in each direction the intents restrict some pod in (an
// isolation or a deny rule of any tier, whether or not it selects a
// listed pod; or, for the far side, a deny or pass rule with a pod or
// ipBlock peer), an address of the pod networks that no listed pod has
// is dropped — as a source once its egress is looked up,
// as a destination once its ingress is — so an unlisted pod never gets
// more than the workload it belongs to, whichever that is. It is cut off
// in those directions until the ruleset is rebuilt.

// noPodCIDRsWarning is the build's warning when the ruleset restricts
// some pod but has no pod networks.
const noPodCIDRsWarning = "no cluster.podCIDRs declared: the ruleset cannot tell a pod it does not list " +
	"(a replica started after this build) from an external address, so such a pod is not held to its workload's policy " +
	"until the ruleset is rebuilt; declare cluster.podCIDRs to drop its traffic instead (fail closed)"

// checkPodNetworks reads the declared pod networks, decides per direction
// whether unlisted pods are dropped, and refuses what that makes
// narrower than the intents.
func (b *builder) checkPodNetworks(p *ir.Policy) {
	for _, s := range p.PodCIDRs {
		pfx, err := kit.ParsePrefix("cluster.podCIDRs", s)
		if err != nil {
			b.errs.Add(err)
			continue
		}
		b.podNets = b.podNets.Union(netset.PrefixRange(pfx))
	}
	b.podNets = b.podNets.Merge()
	restricted := [2]bool{ingressIndex: b.anyRestricted(ir.Ingress) || b.denyByPods(ir.Egress),
		egressIndex: b.anyRestricted(ir.Egress) || b.denyByPods(ir.Ingress)}
	if len(b.podNets) == 0 {
		if restricted[0] || restricted[1] {
			b.res.Warnings = append(b.res.Warnings, kit.Warning{Origin: b.firstRestriction(), Message: noPodCIDRsWarning})
		}
		return
	}
	if !restricted[0] && !restricted[1] {
		return
	}
	b.unlisted = restricted
	for _, h := range b.hosts {
		if i := slices.IndexFunc(h.ips, b.podNets.Contains); i >= 0 {
			b.errs.Add(kit.Hinted(fmt.Errorf("%w: %s of host-network pod %s lies inside cluster.podCIDRs: "+
				"the ruleset would drop its node's traffic as a pod's it does not list", ErrHostNetwork, h.ips[i], h.ID()),
				"declare only the pod networks in cluster.podCIDRs, not the nodes' addresses"))
		}
	}
	s := &nftapi.Set{Name: nftapi.PodNetworksSet, Interval: true,
		Comment: "the pod networks (cluster.podCIDRs): an address here that no map holds is a pod this ruleset does not list"}
	for _, r := range b.podNets {
		s.Elements = append(s.Elements, nftapi.Element{From: r.First, To: r.Last})
	}
	b.sets[s.Name] = s
	b.checkUnlistedBlocks()
}

// firstRestriction is where the first isolation or deny rule is: what
// the warning about unlisted pods is about.
func (b *builder) firstRestriction() ir.Origin {
	if len(b.isos) > 0 {
		return b.isos[0].src.Origin
	}
	for _, r := range b.allRules() {
		if r.src.Action == ir.Deny {
			return r.src.Origin
		}
	}
	return ir.Origin{}
}

// anyRestricted tells whether the intents restrict some pod in direction
// d: an isolation or a deny rule of any tier in it, whether or not it
// selects a listed pod (an unlisted one may be the first of its
// workload). Allow and Pass rules restrict nothing by themselves: what a
// Pass hands on, only an isolation or a deny can restrict.
func (b *builder) anyRestricted(d ir.Direction) bool {
	return slices.ContainsFunc(b.isos, func(iso isolation) bool { return iso.src.Direction == d }) ||
		slices.ContainsFunc(b.allRules(), func(r *rule) bool { return r.src.Direction == d && r.src.Action == ir.Deny })
}

// denyByPods tells whether a deny or pass rule in direction d could
// match an unlisted pod on its far side only through what the ruleset
// lists: a pod peer (the pod is in no set), or an ipBlock (which matches
// a pod for its address of either family; the ruleset knows a listed
// pod's other addresses, not an unlisted one's). Such a pod's traffic
// must then be dropped on the far side: a deny that misses it would let
// it through, and so may a pass that misses it (the admin rules after it
// decide instead of the teams' policies). An allow that misses it only
// allows less.
func (b *builder) denyByPods(d ir.Direction) bool {
	return slices.ContainsFunc(b.allRules(), func(r *rule) bool {
		return r.src.Direction == d && (r.src.Action == ir.Deny || r.src.Action == ir.Pass) && r.peer.kind != peerAll
	})
}

// checkUnlistedBlocks refuses (or narrows) the rules whose ipBlocks make
// an external peer of the intents out of pod network addresses alone. The
// intents' model splits the address space into the largest ranges every
// ipBlock treats alike and reads each as external addresses; the ruleset
// reads the addresses of the pod networks that no listed pod has as
// unlisted pods and drops them, so a range wholly inside the pod networks
// gets less than the intents give it.
func (b *builder) checkUnlistedBlocks() {
	var blocks []netset.Set
	for _, r := range b.allRules() {
		for _, bl := range r.peer.blocks {
			blocks = append(blocks, bl.ranges)
		}
	}
	var inside []netset.Range
	for _, a := range mergedAtoms(blocks) {
		rest := netset.Set{a}
		for _, n := range b.podNets {
			rest = rest.Subtract(n)
		}
		if len(rest) == 0 {
			inside = append(inside, a)
		}
	}
	if len(inside) == 0 {
		return
	}
	flagged := map[string]bool{}
	for _, r := range b.allRules() {
		if hit := overlapping(r.peer.blocks, inside); len(hit) > 0 {
			b.unlistedBlock(r, hit)
			for _, h := range hit {
				flagged[h] = true
			}
		}
	}
	// A range between blocks, in none: the rules whose blocks cut the pod
	// networks made it.
	var rest []string
	for _, a := range inside {
		if !flagged[a.String()] {
			rest = append(rest, a.String())
		}
	}
	if len(rest) == 0 {
		return
	}
	for _, r := range b.allRules() {
		if len(overlapping(r.peer.blocks, b.podNets)) > 0 {
			b.unlistedBlock(r, rest)
		}
	}
}

// unlistedBlock refuses, or narrows, one rule naming unlisted pod
// addresses.
func (b *builder) unlistedBlock(r *rule, hit []string) {
	msg := fmt.Sprintf("the peer names addresses inside cluster.podCIDRs that no listed pod has (%s): "+
		"the ruleset drops them as pods it does not list, where the intents read them as external addresses",
		strings.Join(hit, ", "))
	if b.approx {
		b.narrow(r, msg)
		return
	}
	b.fail(r, kit.Hinted(fmt.Errorf("%w: %s", ErrUnsupported, msg),
		"select the pods instead of naming their network, or keep the ipBlock outside cluster.podCIDRs; "+
			"--allow-approximate accepts the narrower ruleset"))
}

// overlapping names the ranges of inside that some block's CIDR
// overlaps (whether it holds the range or carves it out as a hole: either
// way the block makes it a peer of its own).
func overlapping(blocks []block, inside []netset.Range) []string {
	var out []string
	for _, a := range inside {
		if slices.ContainsFunc(blocks, func(bl block) bool { return bl.outer.Overlaps(a) }) {
			out = append(out, a.String())
		}
	}
	return out
}

// mergedAtoms splits the address space at the blocks' boundaries into the
// largest ranges of one family that every block contains whole or misses,
// the way the intents' model names its external peers (both families
// always present).
func mergedAtoms(blocks []netset.Set) []netset.Range {
	return netset.Atoms(blocks, func(r netset.Range) string {
		key := ""
		for _, bl := range blocks {
			key += fmt.Sprint(bl.Contains(r.First), ",")
		}
		return key
	})
}
