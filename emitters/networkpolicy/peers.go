package networkpolicy

import (
	"fmt"
	"slices"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/internal/ir"
)

// worldBlocks are the blocks of a world peer that lists none itself.
var worldBlocks = []ir.IPBlock{{CIDR: "0.0.0.0/0"}, {CIDR: "::/0"}}

// convertPeer translates an IR peer into NetworkPolicy peers. all reports a
// PeerAll, which NetworkPolicy spells as a rule without from/to.
func convertPeer(p ir.Peer) (peers []networkingv1.NetworkPolicyPeer, all bool, errs []error) {
	switch p.Kind {
	case ir.PeerAll:
		return nil, true, nil
	case ir.PeerPods, ir.PeerWorkload, ir.PeerDNS:
		peer, errs := podPeer(p)
		return []networkingv1.NetworkPolicyPeer{peer}, false, errs
	case ir.PeerCIDR, ir.PeerWorld:
		blocks := p.CIDRs
		if p.Kind == ir.PeerWorld && len(blocks) == 0 {
			blocks = worldBlocks
		}
		if len(blocks) == 0 {
			// No ipBlock at all would leave the rule without peers,
			// which NetworkPolicy reads as "everyone".
			return nil, false, []error{fmt.Errorf("%w %s peer: no CIDR", ErrInvalid, p.Kind)}
		}
		for _, b := range blocks {
			block, blockErrs := ipBlock(b)
			errs = append(errs, blockErrs...)
			peers = append(peers, networkingv1.NetworkPolicyPeer{IPBlock: block})
		}
		return peers, false, errs
	case ir.PeerFQDN:
		return nil, false, []error{kit.Hinted(fmt.Errorf("FQDN peer %q: %w", p.FQDN, ErrUnsupported), kit.FQDNHint)}
	default:
		return nil, false, []error{fmt.Errorf("%w peer kind %q", ErrInvalid, p.Kind)}
	}
}

// podPeer translates a peer chosen by namespace and pod selectors.
//
// A nil namespace selector means the subject's own namespace, which
// NetworkPolicy spells as a peer without namespaceSelector. A pod selector
// that selects every pod is left out when a namespace selector is set, and
// is {} otherwise (a peer needs at least one selector).
func podPeer(p ir.Peer) (networkingv1.NetworkPolicyPeer, []error) {
	peer := networkingv1.NetworkPolicyPeer{
		NamespaceSelector: kit.CanonicalSelector(p.Namespaces),
		PodSelector:       kit.CanonicalSelector(p.Pods),
	}
	if peer.PodSelector != nil && kit.IsEmpty(peer.PodSelector) {
		peer.PodSelector = nil
	}
	if peer.PodSelector == nil && peer.NamespaceSelector == nil {
		peer.PodSelector = &metav1.LabelSelector{}
	}
	var errs []error
	if err := kit.CheckSelector("peer.namespaceSelector", peer.NamespaceSelector); err != nil {
		errs = append(errs, err)
	}
	if err := kit.CheckSelector("peer.podSelector", peer.PodSelector); err != nil {
		errs = append(errs, err)
	}
	return peer, errs
}

// ipBlock validates a CIDR and its holes and returns it with the holes
// sorted and deduplicated.
func ipBlock(b ir.IPBlock) (*networkingv1.IPBlock, []error) {
	cidr, err := kit.ParsePrefix("cidr", b.CIDR)
	if err != nil {
		return nil, []error{err}
	}
	var errs []error
	except := slices.Clone(b.Except)
	slices.Sort(except)
	except = slices.Compact(except)
	for _, s := range except {
		hole, err := kit.ParsePrefix("except", s)
		switch {
		case err != nil:
			errs = append(errs, err)
		case hole.Addr().Is4() != cidr.Addr().Is4():
			errs = append(errs, fmt.Errorf("%w except %q: not the address family of cidr %q", ErrInvalid, s, b.CIDR))
		case hole.Bits() <= cidr.Bits() || !cidr.Contains(hole.Addr()):
			errs = append(errs, fmt.Errorf("%w except %q: must lie strictly inside cidr %q", ErrInvalid, s, b.CIDR))
		}
	}
	if len(except) == 0 {
		except = nil
	}
	return &networkingv1.IPBlock{CIDR: b.CIDR, Except: except}, errs
}
