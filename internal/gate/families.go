package gate

import (
	"slices"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netpolc/netpolc/enforcer/proof"
	"github.com/netpolc/netpolc/internal/netset"

	"github.com/netpolc/netpolc/enforcer"
)

// alignFamilies makes both sides' matrices cover the same address
// families. The model lists IPv6 addresses only when some IPv6 block is in
// play; on a side without one, IPv6 traffic still has a verdict (that of
// addresses no block covers) but no matrix node, so the first IPv6 block
// would show every flow to IPv6 as opened. The side lacking a family is
// evaluated again with an anchor: a policy that selects no pod and names
// the family's whole range, which splits the address space without
// changing any verdict.
func alignFamilies(base, head *Side) error {
	b4, b6 := families(base.Matrix)
	h4, h6 := families(head.Matrix)
	bNames, hNames := fqdnPeers(base), fqdnPeers(head)
	for _, fix := range []struct {
		side         *Side
		need4, need6 bool
		names        []string
	}{{base, h4 && !b4, h6 && !b6, missing(hNames, bNames)}, {head, b4 && !h4, b6 && !h6, missing(bNames, hNames)}} {
		if fix.side.Empty || !(fix.need4 || fix.need6 || len(fix.names) > 0) {
			continue
		}
		var cidrs []string
		if fix.need4 {
			cidrs = append(cidrs, "0.0.0.0/0")
		}
		if fix.need6 {
			cidrs = append(cidrs, "::/0")
		}
		if err := fix.side.anchor(cidrs, fix.names); err != nil {
			return err
		}
	}
	return nil
}

// fqdnPeers are the DNS-name endpoints of a side's model.
func fqdnPeers(s *Side) []string {
	if s.Model == nil {
		return nil
	}
	return s.Model.FQDNPeers()
}

// missing lists the names of want that have lacks not.
func missing(want, have []string) []string {
	var out []string
	for _, n := range want {
		if !slices.Contains(have, n) {
			out = append(out, n)
		}
	}
	return out
}

// families reports which address families a matrix's external nodes use.
func families(c *enforcer.Connectivity) (v4, v6 bool) {
	if c == nil {
		return false, false
	}
	for _, ep := range c.Endpoints {
		if r, ok := netset.ParseName(ep.Name); ok {
			v4 = v4 || r.First.Is4()
			v6 = v6 || r.First.Is6()
		}
	}
	return v4, v6
}

// anchorNamespace holds the anchor policy; no pod lives there.
const anchorNamespace = "netpolc-diff-anchor"

// anchor rebuilds the side's model and matrix with an anchor for cidrs and
// DNS names ("fqdn:NAME").
func (s *Side) anchor(cidrs, names []string) error {
	np := networkingv1.NetworkPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "anchor", Namespace: anchorNamespace},
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"netpolc.dev/diff-anchor": "none"}},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress},
		},
	}
	for _, c := range cidrs {
		np.Spec.Egress = append(np.Spec.Egress, networkingv1.NetworkPolicyEgressRule{
			To: []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: c}}},
		})
	}
	a, err := enforcer.FromNetworkPolicies([]enforcer.SourcedNetworkPolicy{{NetworkPolicy: np}})
	if err != nil {
		return err
	}
	if len(names) > 0 {
		rule := enforcer.FQDNEgress{Namespace: anchorNamespace, Name: "anchor-names", Subject: np.Spec.PodSelector}
		for _, n := range names {
			rule.Names = append(rule.Names, strings.TrimPrefix(n, enforcer.FQDNPrefix))
		}
		fq, err := enforcer.FromFQDNEgress([]enforcer.FQDNEgress{rule})
		if err != nil {
			return err
		}
		a = enforcer.Join(a, fq)
	}
	m, err := s.Input.ModelWith(a)
	if err != nil {
		return s.wrap(err)
	}
	s.Model = m
	if s.Matrix, err = proof.Matrix(m); err != nil {
		return s.wrap(err)
	}
	return nil
}
