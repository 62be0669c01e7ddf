package enforcer

import (
	"strings"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/network-policy-api/apis/v1alpha1"
	"sigs.k8s.io/network-policy-api/apis/v1alpha2"
)

// Objects the API server rejects, whose lenient reading would be wider
// than any enforcer's (an empty ports list as every port, an endPort
// dropped), are errors: the model never evaluates them.
func TestInvalidReadingsFailClosed(t *testing.T) {
	all := &metav1.LabelSelector{}
	anp := SourcedAdminNetworkPolicy{AdminNetworkPolicy: v1alpha1.AdminNetworkPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "a"},
		Spec: v1alpha1.AdminNetworkPolicySpec{Subject: v1alpha1.AdminNetworkPolicySubject{Namespaces: all},
			Ingress: []v1alpha1.AdminNetworkPolicyIngressRule{{Action: "Allow",
				From: []v1alpha1.AdminNetworkPolicyIngressPeer{{Namespaces: all}}, Ports: &[]v1alpha1.AdminNetworkPolicyPort{}}}}}}
	if _, err := FromAdminNetworkPolicies([]SourcedAdminNetworkPolicy{anp}); err == nil || !strings.Contains(err.Error(), "spec.ingress[0].ports: invalid policy: ports: [] is invalid") {
		t.Errorf("ANP ports: []: error %v", err)
	}
	cnp := SourcedClusterNetworkPolicy{ClusterNetworkPolicy: v1alpha2.ClusterNetworkPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "c"},
		Spec: v1alpha2.ClusterNetworkPolicySpec{Tier: v1alpha2.AdminTier, Subject: v1alpha2.ClusterNetworkPolicySubject{Namespaces: all},
			Ingress: []v1alpha2.ClusterNetworkPolicyIngressRule{{Action: "Accept",
				From: []v1alpha2.ClusterNetworkPolicyIngressPeer{{Namespaces: all}}, Protocols: []v1alpha2.ClusterNetworkPolicyProtocol{}}}}}}
	if _, err := FromClusterNetworkPolicies([]SourcedClusterNetworkPolicy{cnp}); err == nil || !strings.Contains(err.Error(), "protocols: [] is invalid") {
		t.Errorf("CNP protocols: []: error %v", err)
	}
	named, end := intstr.FromString("http"), int32(90)
	np := SourcedNetworkPolicy{NetworkPolicy: networkingv1.NetworkPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "n", Namespace: "x"},
		Spec: networkingv1.NetworkPolicySpec{Ingress: []networkingv1.NetworkPolicyIngressRule{{
			Ports: []networkingv1.NetworkPolicyPort{{Port: &named, EndPort: &end}}}}}}}
	if _, err := FromNetworkPolicies([]SourcedNetworkPolicy{np}); err == nil || !strings.Contains(err.Error(), "endPort needs a numeric port") {
		t.Errorf("endPort with a named port: error %v", err)
	}
}
