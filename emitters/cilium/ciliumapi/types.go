// Package ciliumapi holds the cilium.io/v2 types netpolc emits and reads:
// the subset of Cilium's API (github.com/cilium/cilium/pkg/policy/api) that
// expresses the IR, as small local structs with the upstream json names, so
// that netpolc does not pull in the Cilium module.
//
// The emitter (emitters/cilium) writes these objects and the interpreter
// (enforcer/cilium) reads them; neither imports the other.
package ciliumapi

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// APIVersion is the group and version of CiliumNetworkPolicy.
const APIVersion = "cilium.io/v2"

// Kinds of the objects.
const (
	Kind            = "CiliumNetworkPolicy"
	KindClusterwide = "CiliumClusterwideNetworkPolicy"
)

// Entities netpolc uses. "all" is every peer, "world" every address outside
// the cluster, "cluster" every endpoint of the cluster.
const (
	EntityAll     = "all"
	EntityWorld   = "world"
	EntityCluster = "cluster"
)

// Reserved entities: identities Cilium gives what is not a pod (docs.cilium.io
// "Entities Based"; pkg/policy/api/entity.go). "cluster" is every pod and
// every one of these but world and none.
const (
	EntityHost          = "host"
	EntityRemoteNode    = "remote-node"
	EntityKubeAPIServer = "kube-apiserver"
	EntityHealth        = "health"
	EntityInit          = "init"
	EntityUnmanaged     = "unmanaged"
	EntityIngress       = "ingress"
	EntityNone          = "none"
	EntityWorldIPv4     = "world-ipv4"
	EntityWorldIPv6     = "world-ipv6"
)

// Settings the cluster's Cilium is described by (target options, flags
// and netpolc.yaml keys), read by the emitter and the interpreter alike.
const (
	// SettingIdentityLabels adds prefixes, in the syntax of the agent's
	// --labels option, to the identity label filter (DefaultLabelPrefixes).
	SettingIdentityLabels = "cilium-identity-labels"
	// SettingVersion is the cluster's Cilium version ("1.18", "1.19.2").
	SettingVersion = "cilium-version"
)

// Label keys of Cilium endpoint selectors (with their source prefix where
// netpolc writes one): the namespace of a pod, and the labels of its
// namespace (the key follows the prefix).
const (
	NamespaceLabel        = "k8s:io.kubernetes.pod.namespace"
	NamespaceLabelsPrefix = "io.cilium.k8s.namespace.labels."
)

// CiliumNetworkPolicy is a namespaced Cilium policy (kind
// CiliumNetworkPolicy) or, with an empty namespace, a
// CiliumClusterwideNetworkPolicy.
type CiliumNetworkPolicy struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              Rule `json:"spec"`
}

// Rule is a policy's spec: the endpoints it applies to and the traffic it
// allows. A direction with at least one rule (even an empty one) puts the
// selected endpoints into default deny in that direction.
type Rule struct {
	EndpointSelector metav1.LabelSelector `json:"endpointSelector"`
	Ingress          []IngressRule        `json:"ingress,omitempty"`
	Egress           []EgressRule         `json:"egress,omitempty"`
	// IngressDeny and EgressDeny win over every allow of every policy;
	// netpolc writes them only in CiliumClusterwideNetworkPolicies of the
	// platform layer.
	IngressDeny       []IngressRule      `json:"ingressDeny,omitempty"`
	EgressDeny        []EgressRule       `json:"egressDeny,omitempty"`
	EnableDefaultDeny *DefaultDenyConfig `json:"enableDefaultDeny,omitempty"`
	Description       string             `json:"description,omitempty"`
}

// DefaultDenyConfig overrides whether a policy puts its endpoints into
// default deny.
type DefaultDenyConfig struct {
	Ingress *bool `json:"ingress,omitempty"`
	Egress  *bool `json:"egress,omitempty"`
}

// IngressRule allows traffic from one kind of peer (the From fields are
// mutually exclusive) on ToPorts. No From field and no ToPorts allows
// nothing; no From field with ToPorts allows every peer on those ports.
type IngressRule struct {
	FromEndpoints []metav1.LabelSelector `json:"fromEndpoints,omitempty"`
	FromEntities  []string               `json:"fromEntities,omitempty"`
	FromCIDR      []string               `json:"fromCIDR,omitempty"`
	FromCIDRSet   []CIDRRule             `json:"fromCIDRSet,omitempty"`
	ToPorts       []PortRule             `json:"toPorts,omitempty"`
}

// EgressRule allows traffic to one kind of peer on ToPorts, like
// IngressRule.
type EgressRule struct {
	ToEndpoints []metav1.LabelSelector `json:"toEndpoints,omitempty"`
	ToEntities  []string               `json:"toEntities,omitempty"`
	ToCIDR      []string               `json:"toCIDR,omitempty"`
	ToCIDRSet   []CIDRRule             `json:"toCIDRSet,omitempty"`
	ToFQDNs     []FQDNSelector         `json:"toFQDNs,omitempty"`
	ToPorts     []PortRule             `json:"toPorts,omitempty"`
}

// CIDRRule is an address block with holes. Cilium matches CIDRs against
// addresses outside the cluster only, never against cluster endpoints.
type CIDRRule struct {
	CIDR   string   `json:"cidr"`
	Except []string `json:"except,omitempty"`
}

// FQDNSelector matches DNS names the endpoint resolved.
type FQDNSelector struct {
	MatchName    string `json:"matchName,omitempty"`
	MatchPattern string `json:"matchPattern,omitempty"`
}

// PortRule is a list of ports, optionally with layer-7 rules.
type PortRule struct {
	Ports []PortProtocol `json:"ports,omitempty"`
	Rules *L7Rules       `json:"rules,omitempty"`
}

// PortProtocol is a port ("80", a container port name, or "0" for every
// port), an optional last port of a range, and a protocol.
type PortProtocol struct {
	Port     string `json:"port"`
	EndPort  int32  `json:"endPort,omitempty"`
	Protocol string `json:"protocol,omitempty"`
}

// L7Rules are layer-7 rules; netpolc only writes the DNS rule that lets
// Cilium's DNS proxy learn the addresses of toFQDNs names.
type L7Rules struct {
	DNS []FQDNSelector `json:"dns,omitempty"`
}
