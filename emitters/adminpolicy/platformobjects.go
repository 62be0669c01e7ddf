package adminpolicy

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/network-policy-api/apis/v1alpha1"
	"sigs.k8s.io/network-policy-api/apis/v1alpha2"

	"github.com/netpolc/netpolc/emitters/adminpolicy/adminapi"
	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/internal/ir"
)

// banpName is the BaselineAdminNetworkPolicy's: a cluster singleton, the
// CRD accepts no other name (network-policy-api apis/v1alpha1
// baselineadminnetworkpolicy_types.go).
const banpName = "default"

// clusterObjects renders the platform's policies into objs.
func (b *builder) clusterObjects(objs *adminapi.Objects, names *kit.Names) {
	var baseline []clusterPart
	for _, part := range b.cluster {
		if b.opts.API.V1Alpha1() && part.tier == ir.TierBaseline {
			baseline = append(baseline, part)
			continue
		}
		if !names.Claim("", part.name, part.from) {
			continue
		}
		meta := kit.ObjectMeta("", part.name, part.from)
		if b.opts.API.V1Alpha1() {
			objs.AdminNetworkPolicies = append(objs.AdminNetworkPolicies, part.anp(meta))
		} else {
			objs.ClusterNetworkPolicies = append(objs.ClusterNetworkPolicies, part.cnp(meta))
		}
	}
	if len(baseline) > 0 {
		objs.BaselineAdminNetworkPolicy = b.banp(baseline, names)
	}
}

// cnp renders a platform policy as a ClusterNetworkPolicy of its tier.
func (part clusterPart) cnp(meta metav1.ObjectMeta) v1alpha2.ClusterNetworkPolicy {
	ns, pods := clusterSubjectSelectors(part.subject)
	spec := v1alpha2.ClusterNetworkPolicySpec{Tier: v1alpha2.AdminTier, Priority: part.priority}
	if part.tier == ir.TierBaseline {
		spec.Tier = v1alpha2.BaselineTier
	}
	if pods != nil {
		spec.Subject.Pods = &v1alpha2.NamespacedPod{NamespaceSelector: ns, PodSelector: *pods}
	} else {
		spec.Subject.Namespaces = &ns
	}
	actions := map[ir.Action]v1alpha2.ClusterNetworkPolicyRuleAction{
		ir.Allow: v1alpha2.ClusterNetworkPolicyRuleActionAccept,
		ir.Deny:  v1alpha2.ClusterNetworkPolicyRuleActionDeny,
		ir.Pass:  v1alpha2.ClusterNetworkPolicyRuleActionPass,
	}
	for _, r := range part.rules[0] {
		eachChunk(r, maxListV1Alpha2, func(peers []peer, ports []port) {
			spec.Ingress = append(spec.Ingress, v1alpha2.ClusterNetworkPolicyIngressRule{
				Name: r.name, Action: actions[r.action], From: ingressPeers2(peers), Protocols: protocols2(ports)})
		})
	}
	for _, r := range part.rules[1] {
		eachChunk(r, maxListV1Alpha2, func(peers []peer, ports []port) {
			spec.Egress = append(spec.Egress, v1alpha2.ClusterNetworkPolicyEgressRule{
				Name: r.name, Action: actions[r.action], To: peers2(peers), Protocols: protocols2(ports)})
		})
	}
	return v1alpha2.ClusterNetworkPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: v1alpha2.GroupVersion.String(), Kind: "ClusterNetworkPolicy"},
		ObjectMeta: meta, Spec: spec,
	}
}

func ingressPeers2(ps []peer) []v1alpha2.ClusterNetworkPolicyIngressPeer {
	out := make([]v1alpha2.ClusterNetworkPolicyIngressPeer, len(ps))
	for i, p := range ps {
		out[i].Namespaces = p.namespaces
		if p.pods != nil {
			out[i].Pods = &v1alpha2.NamespacedPod{NamespaceSelector: p.pods[0], PodSelector: p.pods[1]}
		}
	}
	return out
}

// subject1 is the v1alpha1 subject of a platform policy.
func subject1(s ir.ClusterSubject) v1alpha1.AdminNetworkPolicySubject {
	ns, pods := clusterSubjectSelectors(s)
	if pods != nil {
		return v1alpha1.AdminNetworkPolicySubject{Pods: &v1alpha1.NamespacedPod{NamespaceSelector: ns, PodSelector: *pods}}
	}
	return v1alpha1.AdminNetworkPolicySubject{Namespaces: &ns}
}

// anp renders an admin-tier platform policy as an AdminNetworkPolicy.
func (part clusterPart) anp(meta metav1.ObjectMeta) v1alpha1.AdminNetworkPolicy {
	spec := v1alpha1.AdminNetworkPolicySpec{Priority: part.priority, Subject: subject1(part.subject)}
	for _, r := range part.rules[0] {
		eachChunk(r, maxListV1Alpha1, func(peers []peer, ports []port) {
			spec.Ingress = append(spec.Ingress, v1alpha1.AdminNetworkPolicyIngressRule{
				Name: r.name, Action: v1alpha1.AdminNetworkPolicyRuleAction(r.action), From: ingressPeers1(peers), Ports: ports1(ports)})
		})
	}
	for _, r := range part.rules[1] {
		eachChunk(r, maxListV1Alpha1, func(peers []peer, ports []port) {
			spec.Egress = append(spec.Egress, v1alpha1.AdminNetworkPolicyEgressRule{
				Name: r.name, Action: v1alpha1.AdminNetworkPolicyRuleAction(r.action), To: peers1(peers), Ports: ports1(ports)})
		})
	}
	return v1alpha1.AdminNetworkPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: v1alpha1.GroupVersion.String(), Kind: "AdminNetworkPolicy"},
		ObjectMeta: meta, Spec: spec,
	}
}

func ingressPeers1(ps []peer) []v1alpha1.AdminNetworkPolicyIngressPeer {
	out := make([]v1alpha1.AdminNetworkPolicyIngressPeer, len(ps))
	for i, p := range ps {
		out[i].Namespaces = p.namespaces
		if p.pods != nil {
			out[i].Pods = &v1alpha1.NamespacedPod{NamespaceSelector: p.pods[0], PodSelector: p.pods[1]}
		}
	}
	return out
}

// banp merges the baseline intents into the one BaselineAdminNetworkPolicy
// v1alpha1 has, in their order (priority, then name: sortCluster in the
// compiler). It has one subject, so the intents must share theirs.
func (b *builder) banp(parts []clusterPart, names *kit.Names) *v1alpha1.BaselineAdminNetworkPolicy {
	from := kit.Origins{}
	spec := v1alpha1.BaselineAdminNetworkPolicySpec{Subject: subject1(parts[0].subject)}
	for _, part := range parts {
		if kit.JSONKey(subject1(part.subject)) != kit.JSONKey(spec.Subject) {
			b.errs.At(part.origin, kit.Hinted(fmt.Errorf("v1alpha1 has one BaselineAdminNetworkPolicy with one subject, and baseline policy %s selects other pods than %s (%s): %w",
				part.name, parts[0].name, parts[0].origin, errUnsupported), "give the baseline intents one subject, or use v1alpha2 (--"+adminapi.SettingVersion+"=v1alpha2)"))
			return nil
		}
		from.Add(part.from.Sorted()...)
		for _, r := range part.rules[0] {
			spec.Ingress = append(spec.Ingress, v1alpha1.BaselineAdminNetworkPolicyIngressRule{
				Name: r.name, Action: v1alpha1.BaselineAdminNetworkPolicyRuleAction(r.action), From: ingressPeers1(r.peers), Ports: ports1(r.ports)})
		}
		for _, r := range part.rules[1] {
			spec.Egress = append(spec.Egress, v1alpha1.BaselineAdminNetworkPolicyEgressRule{
				Name: r.name, Action: v1alpha1.BaselineAdminNetworkPolicyRuleAction(r.action), To: banpPeers(r.peers), Ports: ports1(r.ports)})
		}
	}
	if len(spec.Ingress) > maxRulesV1Alpha1 || len(spec.Egress) > maxRulesV1Alpha1 {
		b.errs.At(parts[0].origin, fmt.Errorf("the baseline intents hold more than %d rules of one direction, the BaselineAdminNetworkPolicy's limit: %w", maxRulesV1Alpha1, errUnsupported))
		return nil
	}
	if !names.Claim("", banpName, from) {
		return nil
	}
	return &v1alpha1.BaselineAdminNetworkPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: v1alpha1.GroupVersion.String(), Kind: "BaselineAdminNetworkPolicy"},
		ObjectMeta: kit.ObjectMeta("", banpName, from), Spec: spec,
	}
}

func banpPeers(ps []peer) []v1alpha1.BaselineAdminNetworkPolicyEgressPeer {
	out := make([]v1alpha1.BaselineAdminNetworkPolicyEgressPeer, len(ps))
	for i, p := range ps {
		out[i].Namespaces = p.namespaces
		if p.pods != nil {
			out[i].Pods = &v1alpha1.NamespacedPod{NamespaceSelector: p.pods[0], PodSelector: p.pods[1]}
		}
		for _, n := range p.networks {
			out[i].Networks = append(out[i].Networks, v1alpha1.CIDR(n))
		}
	}
	return out
}
