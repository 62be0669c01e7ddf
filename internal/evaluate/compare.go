package evaluate

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/inventory"
)

// inertNamespace holds no endpoint: policies there only shape the model's
// external peers.
const inertNamespace = "netpolc-inert"

// Compare compares the connectivity of two policy sets over inv: the
// delta from want (before) to got (after).
//
// The model names external peers after the address ranges the policies'
// blocks split the address space into, so two sets that agree everywhere
// but use different blocks (a block a broader rule makes redundant, a ::/0
// in a deny-all rule) name their external peers differently. Compare then
// evaluates both again on the common refinement of their external peers,
// added to each side by a policy that selects no endpoint.
func Compare(inv inventory.Inventory, want, got enforcer.Policies) (*enforcer.Delta, error) {
	return CompareAcross(inv, want, inv, got)
}

// CompareAcross is Compare with an inventory per side (of the same
// endpoints: only their IPs may differ).
func CompareAcross(wantInv inventory.Inventory, want enforcer.Policies, gotInv inventory.Inventory, got enforcer.Policies) (*enforcer.Delta, error) {
	mw, err := enforcer.New(wantInv, want)
	if err != nil {
		return nil, err
	}
	mg, err := enforcer.New(gotInv, got)
	if err != nil {
		return nil, err
	}
	if !slices.Equal(mw.ExternalPeers(), mg.ExternalPeers()) {
		blocks, err := peerBlocks(append(mw.ExternalPeers(), mg.ExternalPeers()...))
		if err != nil {
			return nil, err
		}
		inert, err := inertPolicy(blocks)
		if err != nil {
			return nil, err
		}
		return CompareAcross(wantInv, enforcer.Join(want, inert), gotInv, enforcer.Join(got, inert))
	}
	return enforcer.Diff(mw.Matrix(), mg.Matrix()), nil
}

// Wider reports whether got allows something want does not.
func Wider(d *enforcer.Delta) bool {
	if len(d.Opened) > 0 {
		return true
	}
	for _, c := range d.Changed {
		if !c.Opened().IsEmpty() {
			return true
		}
	}
	return false
}

// peerBlocks turns external peer names ("ip:FIRST-LAST") into the CIDRs
// that cover exactly those ranges.
func peerBlocks(names []string) ([]string, error) {
	var out []string
	for _, n := range names {
		lo, hi, ok := strings.Cut(strings.TrimPrefix(n, "ip:"), "-")
		first, err1 := netip.ParseAddr(lo)
		last, err2 := netip.ParseAddr(hi)
		if !ok || err1 != nil || err2 != nil {
			return nil, fmt.Errorf("bad external peer name %q", n)
		}
		for _, p := range RangePrefixes(first, last) {
			out = append(out, p.String())
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// RangePrefixes returns the fewest prefixes covering first..last exactly
// (both of one family, first <= last), in ascending order.
func RangePrefixes(first, last netip.Addr) []netip.Prefix {
	var out []netip.Prefix
	for first.IsValid() && first.Compare(last) <= 0 {
		bits := first.BitLen()
		// Grow the prefix while it starts at first and ends within last.
		p := netip.PrefixFrom(first, bits)
		for b := bits - 1; b >= 0; b-- {
			q := netip.PrefixFrom(first, b).Masked()
			if q.Addr() != first || lastOf(q).Compare(last) > 0 {
				break
			}
			p = q
		}
		out = append(out, p)
		end := lastOf(p)
		if end == last {
			break
		}
		first = end.Next()
	}
	return out
}

// lastOf is the highest address of a masked prefix.
func lastOf(p netip.Prefix) netip.Addr {
	b := p.Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// inertPolicy is a NetworkPolicy in a namespace without endpoints whose
// egress rule names blocks.
func inertPolicy(blocks []string) (enforcer.Policies, error) {
	np := networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: inertNamespace, Name: "blocks"}}
	np.Spec.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeEgress}
	var to []networkingv1.NetworkPolicyPeer
	for _, b := range blocks {
		to = append(to, networkingv1.NetworkPolicyPeer{IPBlock: &networkingv1.IPBlock{CIDR: b}})
	}
	np.Spec.Egress = []networkingv1.NetworkPolicyEgressRule{{To: to}}
	pols, err := enforcer.FromNetworkPolicies([]enforcer.SourcedNetworkPolicy{{NetworkPolicy: np}})
	if err != nil {
		return enforcer.Policies{}, fmt.Errorf("extra blocks: %w", err)
	}
	return pols, nil
}
