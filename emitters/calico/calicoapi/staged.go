package calicoapi

import (
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Kinds of the staged policies (projectcalico/calico v3.32.1,
// api/pkg/apis/projectcalico/v3/staged{,global,kubernetes}networkpolicy.go):
// a staged policy is the policy it would be when enforced plus a
// stagedAction, and felix programs none of it into the dataplane
// (felix/rules/policy.go, PolicyToIptablesChains returns no chain for a
// staged kind); it only reports, in flow logs, what it would have done.
const (
	KindStagedNetworkPolicy           = "StagedNetworkPolicy"
	KindStagedGlobalNetworkPolicy     = "StagedGlobalNetworkPolicy"
	KindStagedKubernetesNetworkPolicy = "StagedKubernetesNetworkPolicy"
)

// StagedActionSet is the stagedAction that stages the policy itself
// (api/pkg/apis/projectcalico/v3/policy_common.go: Set, Delete, Learn,
// Ignore; Set is the CRDs' default): enforcing it means applying the
// policy as it stands, ConvertStagedPolicyToEnforced's reading. netpolc
// writes no other.
const StagedActionSet = "Set"

// StagedFrom is the first Calico release with staged policies in open
// source (v3.30.0 adds api/pkg/apis/projectcalico/v3/staged*.go).
var StagedFrom = Version{Major: 3, Minor: 30}

// StagedNetworkPolicy is a NetworkPolicy staged: its spec is the
// NetworkPolicy's plus the staged action.
type StagedNetworkPolicy struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              StagedPolicySpec `json:"spec"`
}

// StagedPolicySpec is a PolicySpec with its staged action.
type StagedPolicySpec struct {
	StagedAction string `json:"stagedAction,omitempty"`
	PolicySpec
}

// StagedGlobalNetworkPolicy is a GlobalNetworkPolicy staged.
type StagedGlobalNetworkPolicy struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              StagedGlobalPolicySpec `json:"spec"`
}

// StagedGlobalPolicySpec is a GlobalPolicySpec with its staged action.
type StagedGlobalPolicySpec struct {
	StagedAction string `json:"stagedAction,omitempty"`
	GlobalPolicySpec
}

// StagedKubernetesNetworkPolicy is a Kubernetes NetworkPolicy staged for
// Calico: the networking.k8s.io/v1 spec's fields plus the staged action,
// in projectcalico.org/v3. Calico reads it as the NetworkPolicy it
// stages would be read.
type StagedKubernetesNetworkPolicy struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              StagedKubernetesNetworkPolicySpec `json:"spec"`
}

// StagedKubernetesNetworkPolicySpec is a NetworkPolicySpec with its
// staged action (same json names).
type StagedKubernetesNetworkPolicySpec struct {
	StagedAction string                                  `json:"stagedAction,omitempty"`
	PodSelector  metav1.LabelSelector                    `json:"podSelector"`
	Ingress      []networkingv1.NetworkPolicyIngressRule `json:"ingress,omitempty"`
	Egress       []networkingv1.NetworkPolicyEgressRule  `json:"egress,omitempty"`
	PolicyTypes  []networkingv1.PolicyType               `json:"policyTypes,omitempty"`
}
