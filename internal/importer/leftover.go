package importer

import (
	"fmt"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
)

// leftover is what of policy i no template took: its rules without the
// atoms taken, regrouped (peers that keep the same ports share a rule),
// and the directions it isolates that no template (nor an earlier
// leftover, tracked in isolated) isolates. nil when nothing is left.
func (x *index) leftover(i int, isolated map[isoKey]bool) *networkingv1.NetworkPolicy {
	np := x.nps[i].DeepCopy()
	in, eg := types(*np)
	var kept [2]bool
	for d, on := range []bool{in, eg} {
		if !on {
			continue
		}
		k := isoKey{x.subj[i], d}
		var fromOut [][]networkingv1.NetworkPolicyPeer
		var portsOut [][]networkingv1.NetworkPolicyPort
		for r := range rulesOf(*np, d) {
			f, p := x.leftRule(*np, d, r, k)
			fromOut, portsOut = append(fromOut, f...), append(portsOut, p...)
		}
		setRules(np, d, fromOut, portsOut)
		if len(fromOut) > 0 || !x.isoUsed[k] && !isolated[k] {
			kept[d] = true
			isolated[k] = true
		}
	}
	if !kept[ingress] && !kept[egress] {
		return nil
	}
	np.Spec.PolicyTypes = nil
	if kept[ingress] {
		np.Spec.PolicyTypes = append(np.Spec.PolicyTypes, networkingv1.PolicyTypeIngress)
	} else {
		np.Spec.Ingress = nil
	}
	if kept[egress] {
		np.Spec.PolicyTypes = append(np.Spec.PolicyTypes, networkingv1.PolicyTypeEgress)
	} else {
		np.Spec.Egress = nil
	}
	return np
}

// leftRule is rule r without its taken atoms: none, itself, or one rule
// per group of peers left with the same ports.
func (x *index) leftRule(np networkingv1.NetworkPolicy, d, r int, k isoKey) ([][]networkingv1.NetworkPolicyPeer, [][]networkingv1.NetworkPolicyPort) {
	from, ports := ruleRaw(np, d, r)
	peers, pks := x.ruleKeys(np, d, r)
	var order []string
	groups := map[string][]int{}
	for j, p := range peers {
		var left []string
		for q, pk := range pks {
			if !x.used[atom{k, p, pk}] {
				left = append(left, fmt.Sprint(q))
			}
		}
		if len(left) == 0 {
			continue
		}
		g := strings.Join(left, ",")
		if _, ok := groups[g]; !ok {
			order = append(order, g)
		}
		groups[g] = append(groups[g], j)
	}
	var fromOut [][]networkingv1.NetworkPolicyPeer
	var portsOut [][]networkingv1.NetworkPolicyPort
	for _, g := range order {
		var f []networkingv1.NetworkPolicyPeer
		if len(from) > 0 {
			for _, j := range groups[g] {
				f = append(f, from[j])
			}
		}
		var p []networkingv1.NetworkPolicyPort
		if len(ports) > 0 {
			for _, q := range strings.Split(g, ",") {
				var n int
				fmt.Sscan(q, &n)
				p = append(p, ports[n])
			}
		}
		fromOut, portsOut = append(fromOut, f), append(portsOut, p)
	}
	return fromOut, portsOut
}

// setRules replaces a policy's rules of one direction.
func setRules(np *networkingv1.NetworkPolicy, d int, from [][]networkingv1.NetworkPolicyPeer, ports [][]networkingv1.NetworkPolicyPort) {
	if d == ingress {
		np.Spec.Ingress = nil
		for i := range from {
			np.Spec.Ingress = append(np.Spec.Ingress, networkingv1.NetworkPolicyIngressRule{From: from[i], Ports: ports[i]})
		}
		return
	}
	np.Spec.Egress = nil
	for i := range from {
		np.Spec.Egress = append(np.Spec.Egress, networkingv1.NetworkPolicyEgressRule{To: from[i], Ports: ports[i]})
	}
}
