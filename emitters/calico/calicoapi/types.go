// Package calicoapi holds the projectcalico.org/v3 types netpolc emits and
// reads: the subset of Calico's API
// (github.com/projectcalico/api/pkg/apis/projectcalico/v3) that expresses
// the IR, as small local structs with the upstream json names, so that
// netpolc does not pull in the Calico module. The emitter (emitters/calico)
// writes them and the interpreter (enforcer/calico) reads them; neither
// imports the other, so the proof checks the emitter against an
// independent reading.
package calicoapi

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// APIVersion is the group and version of the Calico objects.
const APIVersion = "projectcalico.org/v3"

// Kinds of the objects.
const (
	KindTier          = "Tier"
	KindNetworkPolicy = "NetworkPolicy"
	// KindGlobalNetworkPolicy is the cluster-scoped policy: its selector
	// picks endpoints of every namespace (and host endpoints).
	KindGlobalNetworkPolicy = "GlobalNetworkPolicy"
)

// Actions of a rule, and of a tier's end.
const (
	ActionAllow = "Allow"
	ActionDeny  = "Deny"
	ActionPass  = "Pass"
	ActionLog   = "Log"
)

// Policy types.
const (
	TypeIngress = "Ingress"
	TypeEgress  = "Egress"
)

// NamespaceNameLabel is the label Calico gives every namespace with its
// name, for namespaceSelector.
const NamespaceNameLabel = "projectcalico.org/name"

// Labels Calico itself puts on endpoints (api/pkg/apis/projectcalico/v3/
// constants.go; libcalico-go/lib/backend/k8s/conversion/
// workload_endpoint_default.go): every pod's workload endpoint carries its
// namespace and OrchestratorLabel = OrchestratorKubernetes; network sets
// carry NamespaceLabel too, host endpoints and global network sets
// neither.
const (
	NamespaceLabel         = "projectcalico.org/namespace"
	OrchestratorLabel      = "projectcalico.org/orchestrator"
	OrchestratorKubernetes = "k8s"
	ServiceAccountLabel    = "projectcalico.org/serviceaccount"
)

// All is the selector expression that selects everything.
const All = "all()"

// Objects are a set of Calico objects: what the emitter produces (the
// netpolc tier and its policies) and the interpreter reads.
type Objects struct {
	Tiers                 []Tier
	NetworkPolicies       []NetworkPolicy
	GlobalNetworkPolicies []GlobalNetworkPolicy
	// The staged form (build --staged) holds the tiers and staged
	// policies only (staged.go).
	StagedNetworkPolicies       []StagedNetworkPolicy
	StagedGlobalNetworkPolicies []StagedGlobalNetworkPolicy
}

// Tier orders a set of policies among the others (lower order first). A
// tier ends with DefaultAction (Deny unless Pass) for every endpoint that
// some policy of the tier selects, in the directions of its types.
type Tier struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              TierSpec `json:"spec"`
}

// TierSpec is a tier's order and end.
type TierSpec struct {
	Order         *float64 `json:"order,omitempty"`
	DefaultAction string   `json:"defaultAction,omitempty"`
}

// NetworkPolicy is a namespaced Calico policy: ordered rules whose first
// match decides, for the endpoints of its namespace that Selector selects.
type NetworkPolicy struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              PolicySpec `json:"spec"`
}

// GlobalNetworkPolicy is a cluster-scoped Calico policy: ordered rules
// whose first match decides, for the endpoints Selector selects in the
// namespaces NamespaceSelector selects (every endpoint, host endpoints
// included, without one); its rule selectors without a namespaceSelector
// match endpoints of every namespace and none.
type GlobalNetworkPolicy struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              GlobalPolicySpec `json:"spec"`
}

// GlobalPolicySpec is a PolicySpec with the namespaces it applies in.
type GlobalPolicySpec struct {
	Tier              string   `json:"tier,omitempty"`
	Order             *float64 `json:"order,omitempty"`
	Selector          string   `json:"selector,omitempty"`
	NamespaceSelector string   `json:"namespaceSelector,omitempty"`
	Types             []string `json:"types,omitempty"`
	Ingress           []Rule   `json:"ingress,omitempty"`
	Egress            []Rule   `json:"egress,omitempty"`
}

// PolicySpec is a policy's tier, order (lower first), subject, directions
// and rules.
type PolicySpec struct {
	Tier     string   `json:"tier,omitempty"`
	Order    *float64 `json:"order,omitempty"`
	Selector string   `json:"selector,omitempty"`
	Types    []string `json:"types,omitempty"`
	Ingress  []Rule   `json:"ingress,omitempty"`
	Egress   []Rule   `json:"egress,omitempty"`
}

// Rule matches traffic by protocol, source and destination and applies its
// action. Ports need a protocol; a rule has one protocol.
type Rule struct {
	Action      string      `json:"action"`
	Protocol    string      `json:"protocol,omitempty"`
	Source      *EntityRule `json:"source,omitempty"`
	Destination *EntityRule `json:"destination,omitempty"`
}

// EntityRule matches one end of the traffic: all its fields must match.
// Nets match the address, selectors the workload endpoint (in the policy's
// namespace unless NamespaceSelector is set), ports the port: a number, a
// range "first:last", or a container port name.
type EntityRule struct {
	Nets              []string             `json:"nets,omitempty"`
	NotNets           []string             `json:"notNets,omitempty"`
	Selector          string               `json:"selector,omitempty"`
	NamespaceSelector string               `json:"namespaceSelector,omitempty"`
	Ports             []intstr.IntOrString `json:"ports,omitempty"`
}
