package nftables

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/emitters/nftables/nftapi"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/portset"
)

// dirChains are one direction's chains and the map dispatching pod IPs to
// them.
type dirChains struct {
	chains   []nftapi.Chain
	dispatch nftapi.Map
}

// chains builds the chains of direction d: one per class of pods with the
// same rules, named after the first of them. The map sends each of their
// IPs there with goto, so that what an egress chain returns goes back to
// the base chain, on to the ingress rules. When the direction drops
// unlisted pod addresses, every other pod IP maps to return: it is known.
// Host-network pods have no chain: their addresses are their node's.
func (b *builder) chains(d ir.Direction) dirChains {
	dirName := kit.Lower(d)
	out := dirChains{dispatch: nftapi.Map{Name: dirName, Comment: "pod IP → its " + dirName + " chain"}}
	di, _ := kit.DirIndex(d)
	byKey := map[string]int{}
	var members [][]string
	var second []nftapi.Chain // the teams' parts after a Pass (platform.go)
	for _, e := range b.pods {
		rules, teams := b.podRules(e, d)
		if rules == nil {
			if b.unlisted[di] {
				out.dispatch.Elements = append(out.dispatch.Elements, podReturns(e)...)
			}
			continue
		}
		key := rulesKey(rules) + "\x00" + rulesKey(teams)
		i, ok := byKey[key]
		if !ok {
			i = len(out.chains)
			byKey[key] = i
			name := ident(dirName + "." + e.Namespace + "." + e.Name)
			if teams != nil {
				next := ident(dirName + "-teams." + e.Namespace + "." + e.Name)
				rules = named(rules, next)
				second = append(second, nftapi.Chain{Name: next, Rules: teams, Comment: dirName + " rules after the admin tier of " + e.ID() + "'s chain " + name})
			}
			out.chains = append(out.chains, nftapi.Chain{Name: name, Rules: rules})
			members = append(members, nil)
		}
		members[i] = append(members[i], e.ID())
		for _, ip := range e.ips {
			out.dispatch.Elements = append(out.dispatch.Elements, nftapi.MapElement{
				Key: ip, Verdict: nftapi.Verdict{Kind: nftapi.Goto, Chain: out.chains[i].Name}, Comment: e.ID()})
		}
	}
	for i := range out.chains {
		out.chains[i].Comment = dirName + " rules of " + members[i][0]
		if n := len(members[i]) - 1; n > 0 {
			out.chains[i].Comment += fmt.Sprintf(" and %d more with the same rules", n)
		}
	}
	out.chains = append(out.chains, second...)
	slices.SortFunc(out.dispatch.Elements, func(x, y nftapi.MapElement) int { return x.Key.Compare(y.Key) })
	return out
}

// podReturns maps a pod's IPs to return: a listed pod with no rules in
// the direction.
func podReturns(e *endpoint) []nftapi.MapElement {
	out := make([]nftapi.MapElement, len(e.ips))
	for i, ip := range e.ips {
		out[i] = nftapi.MapElement{Key: ip, Verdict: nftapi.Verdict{Kind: nftapi.Return}, Comment: e.ID()}
	}
	return out
}

// endpointRules lists the teams' part of one endpoint's chain in
// direction d, after the admin part (platform.go podRules, which holds
// the IR's deny rules), or nil when it needs none: for an isolated
// endpoint its allow rules and drop, for any other the baseline
// intents' rules.
func (b *builder) endpointRules(e *endpoint, d ir.Direction) []nftapi.Rule {
	var isolatedBy []string
	for _, iso := range b.isos {
		if iso.src.Direction == d && iso.subject.matches(e) {
			isolatedBy = append(isolatedBy, iso.src.Origin.Stable())
		}
	}
	allow := allowVerdict(d)
	if len(isolatedBy) == 0 {
		// The baseline decides for the pods no team isolates.
		rules, _ := b.tierRules(b.baseline, e, d, allow, nftapi.Verdict{})
		return dedupe(rules)
	}
	var allows []nftapi.Rule
	for i := range b.rules {
		r := &b.rules[i]
		if r.src.Direction == d && r.src.Action != ir.Deny && r.subject.matches(e) {
			allows = append(allows, b.render(r, e, allow)...)
		}
	}
	slices.Sort(isolatedBy)
	return append(dedupe(allows), nftapi.Rule{Verdict: nftapi.Verdict{Kind: nftapi.Drop},
		Comment: "isolated by " + strings.Join(slices.Compact(isolatedBy), "; ")})
}

// render turns one IR rule into the nft rules of endpoint e's chain.
func (b *builder) render(r *rule, e *endpoint, v nftapi.Verdict) []nftapi.Rule {
	field, d := nftapi.DAddr, r.src.Direction
	if d == ir.Ingress {
		field = nftapi.SAddr
	}
	comment := r.src.Origin.Stable()
	fixed := r.ports.fixed
	if d == ir.Ingress {
		// The subject is the destination: its named ports are known.
		fixed = fixed.Union(resolve(r.ports.named, e.Ports))
	}
	portLists := portMatches(fixed)
	if r.ports.any {
		portLists = [][]nftapi.Match{nil}
	}
	var out []nftapi.Rule
	if len(portLists) > 0 {
		for _, addr := range b.addrMatches(&r.peer, field) {
			for _, pm := range portLists {
				out = append(out, nftapi.Rule{Matches: concat(addr, pm), Verdict: v, Comment: comment})
			}
		}
	}
	if d == ir.Egress && len(r.ports.named) > 0 {
		out = append(out, b.namedRules(r, v, comment)...)
	}
	return out
}

// addrMatches lists the address conditions a peer needs, one rule each:
// none for every address, the peer's pod set, or per ipBlock its network
// set. A block matches the addresses it holds only, as every enforcer
// decides per packet: of a dual-stack pod whose IPv6 address a block
// holds, the IPv4 traffic is not matched (the proof's per-address pass,
// proof.Reference.PerAddress, holds the ruleset to that).
func (b *builder) addrMatches(p *peer, field nftapi.AddrField) [][]nftapi.Match {
	switch p.kind {
	case peerAll:
		return [][]nftapi.Match{nil}
	case peerPods:
		if name := b.podSet(p); name != "" {
			return [][]nftapi.Match{{nftapi.AddrIn{Field: field, Set: name}}}
		}
		return nil
	}
	var out [][]nftapi.Match
	for _, bl := range p.blocks {
		out = append(out, []nftapi.Match{nftapi.AddrIn{Field: field, Set: b.netSet(bl)}})
	}
	return out
}

// namedRules allows an egress rule's named ports: the destinations it
// matches, grouped by what the names resolve to on them, one set and rule
// per group. Names never match an external address.
func (b *builder) namedRules(r *rule, v nftapi.Verdict, comment string) []nftapi.Rule {
	if r.named == nil {
		r.named = b.newNamedRules(r)
	}
	out := make([]nftapi.Rule, len(r.named))
	for i, m := range r.named {
		out[i] = nftapi.Rule{Matches: m, Verdict: v, Comment: comment}
	}
	return out
}

// newNamedRules computes the match lists of namedRules, once per rule.
func (b *builder) newNamedRules(r *rule) [][]nftapi.Match {
	// group is the destinations on which the names resolve to ports; key
	// names them in set names.
	type group struct {
		key   string
		ports portset.Set
		eps   []*endpoint
	}
	groups := map[string]*group{}
	for _, e := range b.pods {
		if !r.peer.matches(e) {
			continue
		}
		ports := resolve(r.ports.named, e.Ports)
		if ports.IsEmpty() {
			continue
		}
		k := portsName(ports)
		if groups[k] == nil {
			groups[k] = &group{key: k, ports: ports}
		}
		groups[k].eps = append(groups[k].eps, e)
	}
	// A block matches the addresses it holds, not the endpoint's others.
	var outside func(netip.Addr) bool
	if r.peer.kind == peerNets {
		outside = func(ip netip.Addr) bool { return !r.peer.holds(ip) }
	}
	out := [][]nftapi.Match{}
	for _, g := range kit.SortedValues(groups) {
		name := ident(r.peer.name + ".port." + namedKey(r.ports.named) + "." + g.key)
		name = b.addSet(&nftapi.Set{Name: name, Elements: podElements(g.eps, outside),
			Comment: "named ports " + namedKey(r.ports.named) + " resolving to " + g.ports.String()})
		for _, pm := range portMatches(g.ports) {
			out = append(out, concat([]nftapi.Match{nftapi.AddrIn{Field: nftapi.DAddr, Set: name}}, pm))
		}
	}
	return out
}

// matches reports whether a peer matches an endpoint (an ipBlock matches
// when it holds one of the endpoint's IPs).
func (p *peer) matches(e *endpoint) bool {
	switch p.kind {
	case peerAll:
		return true
	case peerPods:
		return p.pods.matches(e)
	}
	for _, bl := range p.blocks {
		if bl.coversAny(e) {
			return true
		}
	}
	return false
}

func (bl block) coversAny(e *endpoint) bool {
	return slices.ContainsFunc(e.ips, bl.contains)
}

// name gives a compiled peer the base name of its sets and creates the
// network sets of its ipBlocks.
func (b *builder) name(p *peer, src ir.Peer) {
	switch p.kind {
	case peerPods:
		key := "pods:" + p.pods.key()
		name := "pods." + hash8(key)
		if ns, wl, ok := strings.Cut(src.Ref, "/"); ok && src.Kind == ir.PeerWorkload {
			name = ident("workload." + ns + "." + wl)
		} else if src.Kind == ir.PeerDNS {
			name = "dns"
		}
		if owner, taken := b.owner[name]; taken && owner != key {
			name = ident(name + "." + hash8(key))
		}
		b.owner[name] = key
		p.name = name
	case peerNets:
		var keys []string
		for _, bl := range p.blocks {
			keys = append(keys, b.netSet(bl))
		}
		p.name = keys[0]
		if len(keys) > 1 {
			p.name = "nets." + hash8(strings.Join(keys, ","))
		}
	}
}

// podSet creates the set of a pod peer's IPs; "" when it selects no pod.
func (b *builder) podSet(p *peer) string {
	return b.memo("pods:"+p.name, func() string { return b.newPodSet(p) })
}

// memo caches what the set builders return per peer or rule: every
// endpoint's chain asks again.
func (b *builder) memo(key string, f func() string) string {
	if name, ok := b.cache[key]; ok {
		return name
	}
	name := f()
	b.cache[key] = name
	return name
}

func (b *builder) newPodSet(p *peer) string {
	var eps []*endpoint
	for _, e := range b.pods {
		if p.pods.matches(e) {
			eps = append(eps, e)
		}
	}
	if len(eps) == 0 {
		return ""
	}
	return b.addSet(&nftapi.Set{Name: p.name, Elements: podElements(eps, nil), Comment: p.pods.key()})
}

// netSet creates the interval set of one ipBlock.
func (b *builder) netSet(bl block) string {
	name := "net." + hash8(bl.key())
	s := &nftapi.Set{Name: name, Interval: true, Comment: bl.comment}
	for _, r := range bl.ranges {
		s.Elements = append(s.Elements, nftapi.Element{From: r.First, To: r.Last})
	}
	return b.addSet(s)
}

// holds reports whether one of a nets peer's blocks holds ip.
func (p *peer) holds(ip netip.Addr) bool {
	return slices.ContainsFunc(p.blocks, func(bl block) bool { return bl.contains(ip) })
}

// podElements lists the endpoints' IPs, sorted, skipping those skip
// reports.
func podElements(eps []*endpoint, skip func(netip.Addr) bool) []nftapi.Element {
	var out []nftapi.Element
	for _, e := range eps {
		for _, ip := range e.ips {
			if skip == nil || !skip(ip) {
				out = append(out, nftapi.Element{From: ip, To: ip, Comment: e.ID()})
			}
		}
	}
	slices.SortFunc(out, func(x, y nftapi.Element) int { return x.From.Compare(y.From) })
	return out
}

// addSet registers a set and returns its name. Names derive from content,
// so a set of that name is normally this set; should two different sets
// meet on one name (a workload whose name looks like a derived set's), the
// newcomer's name gets a hash of its content.
func (b *builder) addSet(s *nftapi.Set) string {
	key := setKey(s)
	for {
		old, taken := b.sets[s.Name]
		if !taken {
			b.sets[s.Name] = s
			return s.Name
		}
		if setKey(old) == key {
			return s.Name
		}
		s.Name = ident(s.Name + "." + hash8(key))
	}
}

func setKey(s *nftapi.Set) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%v;", s.Interval)
	for _, e := range s.Elements {
		fmt.Fprintf(&b, "%s-%s,", e.From, e.To)
	}
	return b.String()
}

func concat(a, b []nftapi.Match) []nftapi.Match {
	return append(slices.Clone(a), b...)
}

// dedupe drops repeated rules, keeping the first and merging comments.
func dedupe(rules []nftapi.Rule) []nftapi.Rule {
	var out []nftapi.Rule
	index := map[string]int{}
	for _, r := range rules {
		c := r.Comment
		r.Comment = ""
		k := r.Line(nftapi.IPv4)
		if i, ok := index[k]; ok {
			if !slices.Contains(strings.Split(out[i].Comment, "; "), c) {
				out[i].Comment += "; " + c
			}
			continue
		}
		index[k] = len(out)
		r.Comment = c
		out = append(out, r)
	}
	return out
}

// rulesKey identifies a chain's content.
func rulesKey(rules []nftapi.Rule) string {
	var b strings.Builder
	for i := range rules {
		b.WriteString(rules[i].Line(nftapi.IPv4) + "\n")
	}
	return b.String()
}

func hash8(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:4])
}

// maxName keeps names, with a family suffix, within nft's 255 bytes.
const maxName = 240

// ident makes s a valid nft identifier: letters, digits and "_./-",
// shortened with a hash when too long. Any change adds the hash, so
// distinct inputs stay distinct.
func ident(s string) string {
	clean := strings.Map(func(r rune) rune {
		if r < 128 && (r == '_' || r == '.' || r == '/' || r == '-' ||
			'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
			return r
		}
		return '_'
	}, s)
	if clean == s && len(s) <= maxName {
		return s
	}
	if len(clean) > maxName-9 {
		clean = clean[:maxName-9]
	}
	return clean + "." + hash8(s)
}
