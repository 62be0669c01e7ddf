package gen

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/network-policy-api/apis/v1alpha2"

	"github.com/netpolc/netpolc/internal/manifests"
)

// clusterPatterns are the cluster-wide guardrails and defaults.
var clusterPatterns = []struct {
	Name string
	Tier v1alpha2.Tier
	Spec func() v1alpha2.ClusterNetworkPolicySpec
}{
	{"deny-dev-to-prod", v1alpha2.AdminTier, func() v1alpha2.ClusterNetworkPolicySpec {
		return v1alpha2.ClusterNetworkPolicySpec{
			Subject: v1alpha2.ClusterNetworkPolicySubject{Namespaces: sel("env", "prod")},
			Ingress: []v1alpha2.ClusterNetworkPolicyIngressRule{{
				Name: "deny-dev", Action: v1alpha2.ClusterNetworkPolicyRuleActionDeny,
				From: []v1alpha2.ClusterNetworkPolicyIngressPeer{{Namespaces: sel("env", "dev")}},
			}},
		}
	}},
	{"allow-monitoring", v1alpha2.AdminTier, func() v1alpha2.ClusterNetworkPolicySpec {
		return v1alpha2.ClusterNetworkPolicySpec{
			Subject: v1alpha2.ClusterNetworkPolicySubject{Namespaces: sel()},
			Ingress: []v1alpha2.ClusterNetworkPolicyIngressRule{{
				Name: "scrape", Action: v1alpha2.ClusterNetworkPolicyRuleActionAccept,
				From:      []v1alpha2.ClusterNetworkPolicyIngressPeer{{Namespaces: sel("purpose", "monitoring")}},
				Protocols: []v1alpha2.ClusterNetworkPolicyProtocol{{DestinationNamedPort: "metrics"}},
			}},
		}
	}},
	{"allow-dns", v1alpha2.AdminTier, func() v1alpha2.ClusterNetworkPolicySpec {
		dns := &v1alpha2.NamespacedPod{
			NamespaceSelector: *sel("kubernetes.io/metadata.name", "kube-system"),
			PodSelector:       *sel("k8s-app", "kube-dns"),
		}
		port := &v1alpha2.Port{Number: 53}
		return v1alpha2.ClusterNetworkPolicySpec{
			Subject: v1alpha2.ClusterNetworkPolicySubject{Namespaces: sel()},
			Egress: []v1alpha2.ClusterNetworkPolicyEgressRule{{
				Name: "dns", Action: v1alpha2.ClusterNetworkPolicyRuleActionAccept,
				To: []v1alpha2.ClusterNetworkPolicyEgressPeer{{Pods: dns}},
				Protocols: []v1alpha2.ClusterNetworkPolicyProtocol{
					{UDP: &v1alpha2.ClusterNetworkPolicyProtocolUDP{DestinationPort: port}},
					{TCP: &v1alpha2.ClusterNetworkPolicyProtocolTCP{DestinationPort: port}},
				},
			}},
		}
	}},
	{"deny-metadata", v1alpha2.AdminTier, func() v1alpha2.ClusterNetworkPolicySpec {
		return v1alpha2.ClusterNetworkPolicySpec{
			Subject: v1alpha2.ClusterNetworkPolicySubject{Namespaces: sel()},
			Egress: []v1alpha2.ClusterNetworkPolicyEgressRule{{
				Name: "metadata", Action: v1alpha2.ClusterNetworkPolicyRuleActionDeny,
				To: []v1alpha2.ClusterNetworkPolicyEgressPeer{{Networks: []v1alpha2.CIDR{"169.254.169.254/32", "fd00:ec2::254/128"}}},
			}},
		}
	}},
	{"pass-team-ports", v1alpha2.AdminTier, func() v1alpha2.ClusterNetworkPolicySpec {
		return v1alpha2.ClusterNetworkPolicySpec{
			Subject: v1alpha2.ClusterNetworkPolicySubject{Pods: &v1alpha2.NamespacedPod{
				NamespaceSelector: *sel("env", "prod"), PodSelector: *sel("tier", "app"),
			}},
			Ingress: []v1alpha2.ClusterNetworkPolicyIngressRule{{
				Name: "delegate", Action: v1alpha2.ClusterNetworkPolicyRuleActionPass,
				From: []v1alpha2.ClusterNetworkPolicyIngressPeer{{Namespaces: &metav1.LabelSelector{
					MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "team", Operator: metav1.LabelSelectorOpExists}},
				}}},
				Protocols: []v1alpha2.ClusterNetworkPolicyProtocol{{TCP: &v1alpha2.ClusterNetworkPolicyProtocolTCP{
					DestinationPort: &v1alpha2.Port{Range: &v1alpha2.PortRange{Start: 8000, End: 9000}},
				}}},
			}},
		}
	}},
	{"baseline-deny-ingress", v1alpha2.BaselineTier, func() v1alpha2.ClusterNetworkPolicySpec {
		return v1alpha2.ClusterNetworkPolicySpec{
			Subject: v1alpha2.ClusterNetworkPolicySubject{Namespaces: sel()},
			Ingress: []v1alpha2.ClusterNetworkPolicyIngressRule{{
				Name: "default-deny", Action: v1alpha2.ClusterNetworkPolicyRuleActionDeny,
				From: []v1alpha2.ClusterNetworkPolicyIngressPeer{{Namespaces: sel()}},
			}},
		}
	}},
}

func (g *generator) clusterPolicies() {
	for i := range g.cfg.ClusterPolicies {
		p := clusterPatterns[i%len(clusterPatterns)]
		name := p.Name
		if round := i / len(clusterPatterns); round > 0 {
			name = fmt.Sprintf("%s-%d", p.Name, round+1)
		}
		spec := p.Spec()
		spec.Tier, spec.Priority = p.Tier, int32((10*(i+1))%1001) // the API allows 0-1000
		g.set.ClusterNetworkPolicies = append(g.set.ClusterNetworkPolicies, manifests.ClusterNetworkPolicy{
			ClusterNetworkPolicy: v1alpha2.ClusterNetworkPolicy{
				TypeMeta:   metav1.TypeMeta{APIVersion: v1alpha2.GroupVersion.String(), Kind: "ClusterNetworkPolicy"},
				ObjectMeta: metav1.ObjectMeta{Name: name},
				Spec:       spec,
			},
		})
	}
}
