package adminpolicy

import (
	"cmp"
	"fmt"
	"maps"
	"slices"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/network-policy-api/apis/v1alpha1"
	"sigs.k8s.io/network-policy-api/apis/v1alpha2"

	"github.com/netpolc/netpolc/emitters/adminpolicy/adminapi"
	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/portset"
)

// policyPart is one policy to render, version-neutral.
type policyPart struct {
	name     string
	deny     bool
	subject  ir.Subject
	rules    []rule
	from     kit.Origins
	priority int32
}

// objects renders every subject's egress policies: its allows (in chunks
// of the API's rule limit) and its default deny, checking that names are
// valid and unique.
func (b *builder) objects() *adminapi.Objects {
	objs := &adminapi.Objects{}
	names := kit.NewNames(b.errs)
	parts := b.parts()
	if err := b.checkTies(parts); err != nil {
		b.errs.Add(err)
		return objs
	}
	for _, part := range parts {
		// Every kind is cluster-scoped: no namespace.
		if !names.Claim("", part.name, part.from) {
			continue
		}
		meta := kit.ObjectMeta("", part.name, part.from)
		if b.opts.API.V1Alpha1() {
			objs.AdminNetworkPolicies = append(objs.AdminNetworkPolicies, part.v1alpha1(meta))
		} else {
			objs.ClusterNetworkPolicies = append(objs.ClusterNetworkPolicies, part.v1alpha2(meta))
		}
	}
	b.clusterObjects(objs, names)
	slices.SortFunc(objs.ClusterNetworkPolicies, func(x, y v1alpha2.ClusterNetworkPolicy) int { return cmp.Compare(x.Name, y.Name) })
	slices.SortFunc(objs.AdminNetworkPolicies, func(x, y v1alpha1.AdminNetworkPolicy) int { return cmp.Compare(x.Name, y.Name) })
	return objs
}

// parts lays out every egress-isolated subject's policies, by subject.
func (b *builder) parts() []policyPart {
	maxRules := maxRulesV1Alpha2
	if b.opts.API.V1Alpha1() {
		maxRules = maxRulesV1Alpha1
	}
	var parts []policyPart
	for _, key := range slices.Sorted(maps.Keys(b.subjects)) {
		sub := b.subjects[key]
		if !sub.isolated[1] {
			continue
		}
		base := sub.s.Namespace + "-egress-" + sub.s.Name
		slices.SortStableFunc(sub.rules[1], func(x, y rule) int {
			return cmp.Or(kit.CompareOrigins(x.origin, y.origin), cmp.Compare(x.key(), y.key()))
		})
		for i, chunk := range chunks(sub.rules[1], maxRules) {
			name := base + "-allow"
			if i > 0 {
				name += fmt.Sprintf("-%d", i+1)
			}
			from := kit.Origins{}
			for _, r := range chunk {
				from.Add(r.origin)
			}
			parts = append(parts, policyPart{name: name, subject: sub.s, rules: chunk, from: from, priority: allowPriority})
		}
		from := kit.Origins{}
		from.Add(sub.isoFrom[1]...)
		deny := rule{name: defaultDenyRuleName, peers: []peer{
			{namespaces: &metav1.LabelSelector{}}, {networks: []string{everyAddress4, everyAddress6}}}}
		priority := int32(denyPriority)
		if b.opts.API.V1Alpha1() {
			priority = denyPriorityV1Alpha1
		}
		parts = append(parts, policyPart{name: base, deny: true, subject: sub.s, rules: []rule{deny}, from: from, priority: priority})
	}
	return parts
}

// key is the canonical form of a rule, to order rules of one origin.
func (r rule) key() string {
	type p struct {
		N *metav1.LabelSelector
		P *[2]metav1.LabelSelector
		W []string
		D []string
	}
	type q struct {
		Proto       portset.Protocol
		First, Last int32
		Name        string
	}
	var peers []p
	for _, x := range r.peers {
		peers = append(peers, p{x.namespaces, x.pods, x.networks, x.domains})
	}
	var ports []q
	for _, x := range r.ports {
		ports = append(ports, q{x.proto, x.first, x.last, x.name})
	}
	return kit.JSONKey([]any{r.name, peers, ports, r.ports == nil})
}

func chunks[T any](xs []T, n int) [][]T {
	var out [][]T
	for c := range slices.Chunk(xs, n) {
		out = append(out, c)
	}
	return out
}

// subjectPods selects the subject's pods: its namespace by name, and its
// pod selector.
func subjectPods(s ir.Subject) (metav1.LabelSelector, metav1.LabelSelector) {
	return metav1.LabelSelector{MatchLabels: map[string]string{metadataNameLabel: s.Namespace}}, s.Pods
}

// v1alpha2 renders a ClusterNetworkPolicy: Admin-tier accepts, or a
// Baseline-tier deny.
func (part policyPart) v1alpha2(meta metav1.ObjectMeta) v1alpha2.ClusterNetworkPolicy {
	ns, pods := subjectPods(part.subject)
	spec := v1alpha2.ClusterNetworkPolicySpec{
		Tier: v1alpha2.AdminTier, Priority: part.priority,
		Subject: v1alpha2.ClusterNetworkPolicySubject{Pods: &v1alpha2.NamespacedPod{NamespaceSelector: ns, PodSelector: pods}},
	}
	action := v1alpha2.ClusterNetworkPolicyRuleActionAccept
	if part.deny {
		spec.Tier, action = v1alpha2.BaselineTier, v1alpha2.ClusterNetworkPolicyRuleActionDeny
	}
	for _, r := range part.rules {
		eachChunk(r, maxListV1Alpha2, func(peers []peer, ports []port) {
			spec.Egress = append(spec.Egress, v1alpha2.ClusterNetworkPolicyEgressRule{
				Name: r.name, Action: action, To: peers2(peers), Protocols: protocols2(ports),
			})
		})
	}
	return v1alpha2.ClusterNetworkPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: v1alpha2.GroupVersion.String(), Kind: "ClusterNetworkPolicy"},
		ObjectMeta: meta, Spec: spec,
	}
}

// eachChunk calls emit with every piece of r once its peers and its ports
// are split into lists of at most max (the API's list limit).
func eachChunk(r rule, max int, emit func(peers []peer, ports []port)) {
	for _, peers := range chunks(r.peers, max) {
		for _, ports := range portChunks(r.ports, max) {
			emit(peers, ports)
		}
	}
}

// portChunks splits ports into chunks of at most n; every port (nil) stays
// one nil chunk.
func portChunks(ports []port, n int) [][]port {
	if ports == nil {
		return [][]port{nil}
	}
	return chunks(ports, n)
}

func peers2(ps []peer) []v1alpha2.ClusterNetworkPolicyEgressPeer {
	out := make([]v1alpha2.ClusterNetworkPolicyEgressPeer, len(ps))
	for i, p := range ps {
		out[i].Namespaces = p.namespaces
		if p.pods != nil {
			out[i].Pods = &v1alpha2.NamespacedPod{NamespaceSelector: p.pods[0], PodSelector: p.pods[1]}
		}
		for _, n := range p.networks {
			out[i].Networks = append(out[i].Networks, v1alpha2.CIDR(n))
		}
		for _, d := range p.domains {
			out[i].DomainNames = append(out[i].DomainNames, v1alpha2.DomainName(d))
		}
	}
	return out
}

func protocols2(ports []port) []v1alpha2.ClusterNetworkPolicyProtocol {
	var out []v1alpha2.ClusterNetworkPolicyProtocol
	for _, p := range ports {
		if p.name != "" {
			out = append(out, v1alpha2.ClusterNetworkPolicyProtocol{DestinationNamedPort: p.name})
			continue
		}
		dst := &v1alpha2.Port{Number: p.first}
		if p.last != p.first {
			dst = &v1alpha2.Port{Range: &v1alpha2.PortRange{Start: p.first, End: p.last}}
		}
		var c v1alpha2.ClusterNetworkPolicyProtocol
		switch p.proto {
		case portset.TCP:
			c.TCP = &v1alpha2.ClusterNetworkPolicyProtocolTCP{DestinationPort: dst}
		case portset.UDP:
			c.UDP = &v1alpha2.ClusterNetworkPolicyProtocolUDP{DestinationPort: dst}
		default:
			c.SCTP = &v1alpha2.ClusterNetworkPolicyProtocolSCTP{DestinationPort: dst}
		}
		out = append(out, c)
	}
	return out
}

// v1alpha1 renders an AdminNetworkPolicy: accepts, or a deny at a lower
// precedence than every accept.
func (part policyPart) v1alpha1(meta metav1.ObjectMeta) v1alpha1.AdminNetworkPolicy {
	ns, pods := subjectPods(part.subject)
	spec := v1alpha1.AdminNetworkPolicySpec{
		Priority: part.priority,
		Subject:  v1alpha1.AdminNetworkPolicySubject{Pods: &v1alpha1.NamespacedPod{NamespaceSelector: ns, PodSelector: pods}},
	}
	action := v1alpha1.AdminNetworkPolicyRuleActionAllow
	if part.deny {
		action = v1alpha1.AdminNetworkPolicyRuleActionDeny
	}
	for _, r := range part.rules {
		eachChunk(r, maxListV1Alpha1, func(peers []peer, ports []port) {
			spec.Egress = append(spec.Egress, v1alpha1.AdminNetworkPolicyEgressRule{
				Name: r.name, Action: action, To: peers1(peers), Ports: ports1(ports),
			})
		})
	}
	return v1alpha1.AdminNetworkPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: v1alpha1.GroupVersion.String(), Kind: "AdminNetworkPolicy"},
		ObjectMeta: meta, Spec: spec,
	}
}

func peers1(ps []peer) []v1alpha1.AdminNetworkPolicyEgressPeer {
	out := make([]v1alpha1.AdminNetworkPolicyEgressPeer, len(ps))
	for i, p := range ps {
		out[i].Namespaces = p.namespaces
		if p.pods != nil {
			out[i].Pods = &v1alpha1.NamespacedPod{NamespaceSelector: p.pods[0], PodSelector: p.pods[1]}
		}
		for _, n := range p.networks {
			out[i].Networks = append(out[i].Networks, v1alpha1.CIDR(n))
		}
		for _, d := range p.domains {
			out[i].DomainNames = append(out[i].DomainNames, v1alpha1.DomainName(d))
		}
	}
	return out
}

func ports1(ports []port) *[]v1alpha1.AdminNetworkPolicyPort {
	if ports == nil {
		return nil
	}
	out := make([]v1alpha1.AdminNetworkPolicyPort, 0, len(ports))
	for _, p := range ports {
		switch {
		case p.name != "":
			name := p.name
			out = append(out, v1alpha1.AdminNetworkPolicyPort{NamedPort: &name})
		case p.first == p.last:
			out = append(out, v1alpha1.AdminNetworkPolicyPort{PortNumber: &v1alpha1.Port{Protocol: corev1.Protocol(p.proto.String()), Port: p.first}})
		default:
			out = append(out, v1alpha1.AdminNetworkPolicyPort{PortRange: &v1alpha1.PortRange{Protocol: corev1.Protocol(p.proto.String()), Start: p.first, End: p.last}})
		}
	}
	return &out
}
