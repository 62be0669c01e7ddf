package enforcer

import (
	"net/netip"
	"slices"
	"strings"

	"github.com/netpolc/netpolc/internal/netset"

	"k8s.io/apimachinery/pkg/labels"

	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/portset"
)

// group is a set of endpoints no policy can tell apart (same namespace,
// labels, relevant named ports and ipBlock atoms), or one external atom.
type group struct {
	ns       string
	nsLabels labels.Set
	labels   labels.Set
	ports    []dstPort // named ports some rule refers to
	external bool
	fqdn     *fqdnPattern // a DNS-name endpoint (external, destination only)
	atoms    []int32      // atoms holding its known IPs (or itself, if external)
	subj     [2][]int32   // policies selecting it, per direction, evaluation order
	peerBits [2]bitset    // rule peers matching it, per direction
}

// buildGroups atomizes the address space, groups the endpoints and records
// for every group which policies select it and which peers match it.
func (m *Model) buildGroups(inv *inventory.Inventory) {
	blocks, blockOf := m.blocks()
	m.at = buildAtoms(blocks)
	covered := make([]bool, len(m.at.atoms))
	for _, as := range m.at.blockAtoms {
		for _, a := range as {
			covered[a] = true
		}
	}
	nsLabels := make(map[string]labels.Set)
	index := make(map[string]int32)
	m.epGroup = make([]int32, len(m.endpoints))
	for i, ep := range m.endpoints {
		if _, ok := nsLabels[ep.Namespace]; !ok {
			nsLabels[ep.Namespace] = labels.Set(inv.Namespace(ep.Namespace).Labels)
		}
		g := &group{ns: ep.Namespace, nsLabels: nsLabels[ep.Namespace], labels: labels.Set(ep.Labels)}
		g.ports = m.relevantPorts(ep.Ports)
		g.atoms = m.ipAtoms(ep.IPs, covered)
		key := ep.Namespace + "\x00" + labels.Set(ep.Labels).String() + "\x00" +
			namedKey(g.ports, m.named) + "\x00" + int32Key(g.atoms)
		id, ok := index[key]
		if !ok {
			id = int32(len(m.groups))
			index[key] = id
			m.groups = append(m.groups, g)
		}
		m.epGroup[i] = id
	}
	m.atomGroup = make([]int32, len(m.at.atoms))
	for a := range m.at.atoms {
		m.atomGroup[a] = int32(len(m.groups))
		m.groups = append(m.groups, &group{external: true, atoms: []int32{int32(a)}})
	}
	m.otherGroup = int32(len(m.groups))
	m.groups = append(m.groups, &group{external: true})
	m.fqdnGroups()
	sel := newSelectorIndex(m.groups)
	m.matchSubjects(sel)
	m.matchPeers(sel, blockOf)
}

// blocks lists the distinct address sets of block peers; blockOf maps each
// block peer (per direction) to its index there.
func (m *Model) blocks() (blocks []netset.Set, blockOf [2]map[int32]int) {
	index := make(map[string]int)
	for d := range 2 {
		blockOf[d] = make(map[int32]int)
		for id, p := range m.peers[d] {
			if p.kind != peerBlock {
				continue
			}
			k := p.block.Key()
			b, ok := index[k]
			if !ok {
				b = len(blocks)
				index[k] = b
				blocks = append(blocks, p.block)
			}
			blockOf[d][int32(id)] = b
		}
	}
	return blocks, blockOf
}

// relevantPorts keeps the named ports that some rule refers to.
func (m *Model) relevantPorts(ports []ir.NamedPort) []dstPort {
	var out []dstPort
	for _, p := range ports {
		if !m.named[p.Name] {
			continue
		}
		if proto, ok := portProtocol(p.Protocol); ok {
			out = append(out, dstPort{name: p.Name, proto: proto, port: p.Port, set: portset.Port(proto, p.Port)})
		}
	}
	slices.SortFunc(out, func(a, b dstPort) int {
		return strings.Compare(a.name+"/"+a.proto.String(), b.name+"/"+b.proto.String())
	})
	return out
}

// portProtocol is a container port's protocol (none given means TCP).
func portProtocol(p portset.Protocol) (portset.Protocol, bool) {
	if p == portset.NoProtocol {
		return portset.TCP, true
	}
	return p, p == portset.TCP || p == portset.UDP || p == portset.SCTP
}

// ipAtoms lists the block-covered atoms holding the given IPs; IPs no block
// covers cannot matter to any policy.
func (m *Model) ipAtoms(ips []netip.Addr, covered []bool) []int32 {
	var out []int32
	for _, ip := range ips {
		if a := m.at.atomOf(ip); a >= 0 && covered[a] {
			out = append(out, int32(a))
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// matchSubjects records, per group and direction, the policies selecting
// it; m.pols is in evaluation order, so the lists are too.
func (m *Model) matchSubjects(sel *selectorIndex) {
	for i, p := range m.pols {
		in, eg := p.relevant(dIngress), p.relevant(dEgress)
		if !in && !eg {
			continue
		}
		for _, g := range sel.match(p.subject) {
			if in {
				m.groups[g].subj[dIngress] = append(m.groups[g].subj[dIngress], int32(i))
			}
			if eg {
				m.groups[g].subj[dEgress] = append(m.groups[g].subj[dEgress], int32(i))
			}
		}
	}
}

// matchPeers records, per group and direction, the rule peers matching it.
func (m *Model) matchPeers(sel *selectorIndex, blockOf [2]map[int32]int) {
	atomGroups := make([][]int32, len(m.at.atoms))
	for gi, g := range m.groups {
		for _, a := range g.atoms {
			atomGroups[a] = append(atomGroups[a], int32(gi))
		}
	}
	for d := range 2 {
		for id, p := range m.peers[d] {
			var matched []int32
			switch p.kind {
			case peerAll:
				for g := range m.groups {
					m.groups[g].peerBits[d].set(int32(id))
				}
			case peerPods:
				matched = sel.match(p.pods)
			case peerBlock:
				for _, a := range m.at.blockAtoms[blockOf[d][int32(id)]] {
					matched = append(matched, atomGroups[a]...)
				}
			case peerFQDN:
				for _, g := range m.fqdnGroup {
					if p.fqdn.matches(*m.groups[g].fqdn) {
						matched = append(matched, g)
					}
				}
			}
			for _, g := range matched {
				m.groups[g].peerBits[d].set(int32(id))
			}
		}
	}
}

// fqdnGroups adds a group per DNS-name endpoint: each distinct name or
// pattern of an egress FQDN peer (every-name peers stand for no endpoint).
func (m *Model) fqdnGroups() {
	seen := map[string]bool{}
	for _, p := range m.peers[dEgress] {
		if p.kind == peerFQDN && p.fqdn.wild != fqdnAny && !seen[p.fqdn.String()] {
			seen[p.fqdn.String()] = true
			m.fqdns = append(m.fqdns, p.fqdn)
		}
	}
	slices.SortFunc(m.fqdns, func(a, b fqdnPattern) int { return strings.Compare(a.String(), b.String()) })
	m.fqdnGroup = make([]int32, len(m.fqdns))
	for i := range m.fqdns {
		m.fqdnGroup[i] = int32(len(m.groups))
		m.groups = append(m.groups, &group{external: true, fqdn: &m.fqdns[i]})
	}
}
