package enforcer

import "github.com/netpolc/netpolc/internal/netset"

// peerKind tells what a peer matches.
type peerKind uint8

const (
	// peerAll matches every endpoint and every external address.
	peerAll peerKind = iota
	// peerPods matches endpoints chosen by selectors.
	peerPods
	// peerBlock matches external addresses in a set of ranges, and
	// endpoints with a known IP in them.
	peerBlock
	// peerFQDN matches the DNS-name endpoints its pattern matches, and
	// nothing else.
	peerFQDN
)

// peer is one element of a rule's from/to list.
type peer struct {
	kind  peerKind
	pods  podSelector
	block netset.Set
	fqdn  fqdnPattern
}

// key is a canonical string: equal keys match the same things, so the
// model evaluates each distinct peer once.
func (p peer) key() string {
	switch p.kind {
	case peerAll:
		return "all"
	case peerPods:
		return "pods:" + p.pods.key()
	case peerFQDN:
		return FQDNPrefix + p.fqdn.String()
	}
	return "block:" + p.block.Key()
}
