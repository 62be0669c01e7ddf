package ir

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The platform layer: cluster-wide policies in the two tiers of the admin
// network policy API (network-policy-api apis/v1alpha2
// clusternetworkpolicy_types.go: the Admin tier is evaluated before
// NetworkPolicy, the Baseline tier after it). They are their own element,
// not Rules and Isolations: they never isolate, their rules are ordered
// (the first that matches decides) and they select pods across
// namespaces.

// Tier is where a cluster-wide policy is decided.
type Tier string

// The two tiers.
const (
	// TierAdmin is decided before the namespaced policies: Allow and
	// Deny decide, Pass hands the connection on to them.
	TierAdmin Tier = "admin"
	// TierBaseline is decided after the namespaced policies, for pods
	// they leave open: Allow and Deny.
	TierBaseline Tier = "baseline"
)

// ClusterSubject selects pods across namespaces: the pods matching Pods
// in the namespaces matching Namespaces (an empty selector matches
// everything).
type ClusterSubject struct {
	Namespaces metav1.LabelSelector
	Pods       metav1.LabelSelector
	// NamespaceNames are the namespaces named in the intent, when it
	// names them (Namespaces then selects exactly them by
	// kubernetes.io/metadata.name), sorted.
	NamespaceNames []string
}

// ClusterRule decides traffic between a cluster-wide subject and one
// peer. Peer.Namespaces is never nil (there is no "own namespace").
// Ports empty means every port and protocol.
type ClusterRule struct {
	Direction Direction
	Action    Action
	Peer      Peer
	Ports     []Port
	Origin    Origin
}

// ClusterPolicy is one cluster-wide intent of the platform layer.
type ClusterPolicy struct {
	Tier Tier
	// Priority orders the policies of a tier, lowest first (0–1000).
	Priority int32
	// Name is the intent's key, a DNS label, unique within its tier.
	Name    string
	Subject ClusterSubject
	// Rules are in evaluation order, per direction: the first rule of a
	// direction that matches a connection decides it.
	Rules  []ClusterRule
	Origin Origin
	// Caveat is what the intent states it does not cover (build prints
	// it as a warning).
	Caveat string
}
