package networkpolicy

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/netpolc/netpolc/internal/ir"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
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
		return nil, false, []error{fmt.Errorf("FQDN peer %q: %w (use a target with FQDN rules, such as cilium)", p.FQDN, ErrUnsupported)}
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
		NamespaceSelector: canonicalSelector(p.Namespaces),
		PodSelector:       canonicalSelector(p.Pods),
	}
	if peer.PodSelector != nil && isEmpty(peer.PodSelector) {
		peer.PodSelector = nil
	}
	if peer.PodSelector == nil && peer.NamespaceSelector == nil {
		peer.PodSelector = &metav1.LabelSelector{}
	}
	var errs []error
	if err := checkSelector("peer.namespaceSelector", peer.NamespaceSelector); err != nil {
		errs = append(errs, err)
	}
	if err := checkSelector("peer.podSelector", peer.PodSelector); err != nil {
		errs = append(errs, err)
	}
	return peer, errs
}

// ipBlock validates a CIDR and its holes and returns it with the holes
// sorted and deduplicated.
func ipBlock(b ir.IPBlock) (*networkingv1.IPBlock, []error) {
	cidr, err := parsePrefix("cidr", b.CIDR)
	if err != nil {
		return nil, []error{err}
	}
	var errs []error
	except := slices.Clone(b.Except)
	slices.Sort(except)
	except = slices.Compact(except)
	for _, s := range except {
		hole, err := parsePrefix("except", s)
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

// parsePrefix parses a CIDR in canonical form (no host bits set), as the
// Kubernetes API expects.
func parsePrefix(field, s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return p, fmt.Errorf("%w %s %q: %w", ErrInvalid, field, s, err)
	}
	if p.Addr().Is4In6() {
		return p, fmt.Errorf("%w %s %q: IPv4-mapped IPv6 address; write the IPv4 CIDR", ErrInvalid, field, s)
	}
	if m := p.Masked(); m != p {
		return p, fmt.Errorf("%w %s %q: host bits set (did you mean %q?)", ErrInvalid, field, s, m)
	}
	return p, nil
}

// canonicalSelector returns a copy of sel with its expressions and their
// values sorted and deduplicated and empty parts dropped, so that equal
// selectors print (and compare) equal. A nil selector stays nil.
func canonicalSelector(sel *metav1.LabelSelector) *metav1.LabelSelector {
	if sel == nil {
		return nil
	}
	out := &metav1.LabelSelector{}
	if len(sel.MatchLabels) > 0 {
		out.MatchLabels = make(map[string]string, len(sel.MatchLabels))
		for k, v := range sel.MatchLabels {
			out.MatchLabels[k] = v
		}
	}
	for _, e := range sel.MatchExpressions {
		e.Values = slices.Clone(e.Values)
		slices.Sort(e.Values)
		e.Values = slices.Compact(e.Values)
		if len(e.Values) == 0 {
			e.Values = nil
		}
		out.MatchExpressions = append(out.MatchExpressions, e)
	}
	slices.SortFunc(out.MatchExpressions, func(a, b metav1.LabelSelectorRequirement) int {
		return cmp.Or(cmp.Compare(a.Key, b.Key), cmp.Compare(a.Operator, b.Operator),
			slices.Compare(a.Values, b.Values))
	})
	out.MatchExpressions = slices.CompactFunc(out.MatchExpressions, func(a, b metav1.LabelSelectorRequirement) bool {
		return a.Key == b.Key && a.Operator == b.Operator && slices.Equal(a.Values, b.Values)
	})
	return out
}

// isEmpty reports whether sel selects everything.
func isEmpty(sel *metav1.LabelSelector) bool {
	return len(sel.MatchLabels) == 0 && len(sel.MatchExpressions) == 0
}

// checkSelector validates a label selector (keys, values, operators) the
// way the API server does.
func checkSelector(name string, sel *metav1.LabelSelector) error {
	errs := metav1validation.ValidateLabelSelector(sel, metav1validation.LabelSelectorValidationOptions{}, field.NewPath(name))
	if len(errs) == 0 {
		return nil
	}
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Error()
	}
	return fmt.Errorf("%w selector: %s", ErrInvalid, strings.Join(msgs, "; "))
}

// jsonKey is the canonical form of v used to deduplicate and order peers
// and selectors. encoding/json sorts map keys, so it is deterministic.
func jsonKey(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		// The API types always marshal; a failure is a programming error.
		panic(fmt.Sprintf("networkpolicy: marshal %T: %v", v, err))
	}
	return string(b)
}
