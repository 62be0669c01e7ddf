package cilium

import (
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netpolc/netpolc/emitters/cilium/ciliumapi"
	"github.com/netpolc/netpolc/internal/inventory"
)

// Label keys, without source prefix, that Cilium derives from a pod's
// namespace.
var (
	namespaceKey          = strings.TrimPrefix(ciliumapi.NamespaceLabel, "k8s:")
	namespaceLabelsPrefix = ciliumapi.NamespaceLabelsPrefix
)

// labelKind tells what a Cilium selector key selects on.
type labelKind int

const (
	podLabel       labelKind = iota
	namespaceName            // the pod's namespace name
	namespaceLabel           // a label of the pod's namespace
)

// classify strips a key's source prefix ("k8s:" or "any:") and tells what
// it selects; the key returned is a pod label, or for namespaces the
// namespace label key.
func classify(key string) (labelKind, string, error) {
	if src, rest, ok := strings.Cut(key, ":"); ok {
		if src != "k8s" && src != "any" {
			return 0, "", unsupported("label %q: source %q (only k8s and any labels are in the inventory)", key, src)
		}
		key = rest
	}
	switch {
	case key == namespaceKey:
		return namespaceName, inventory.MetadataNameLabel, nil
	case strings.HasPrefix(key, namespaceLabelsPrefix):
		return namespaceLabel, strings.TrimPrefix(key, namespaceLabelsPrefix), nil
	case strings.HasPrefix(key, "io.cilium.") || strings.HasPrefix(key, "io.kubernetes."):
		return 0, "", unsupported("label %q: Cilium-derived labels other than the namespace's are not in the inventory", key)
	}
	return podLabel, key, nil
}

// split cuts a Cilium endpoint selector into its namespace and pod parts.
// hasNS is false when the selector names no namespace term.
func split(sel metav1.LabelSelector) (ns, pods metav1.LabelSelector, hasNS bool, err error) {
	for k, v := range sel.MatchLabels {
		kind, key, err := classify(k)
		if err != nil {
			return ns, pods, false, err
		}
		target := &pods
		if kind != podLabel {
			target, hasNS = &ns, true
		}
		if target.MatchLabels == nil {
			target.MatchLabels = map[string]string{}
		}
		target.MatchLabels[key] = v
	}
	for _, e := range sel.MatchExpressions {
		kind, key, err := classify(e.Key)
		if err != nil {
			return ns, pods, false, err
		}
		e.Key = key
		if kind == podLabel {
			pods.MatchExpressions = append(pods.MatchExpressions, e)
		} else {
			ns.MatchExpressions, hasNS = append(ns.MatchExpressions, e), true
		}
	}
	return ns, pods, hasNS, nil
}

// podLabels reads a policy's endpointSelector, which selects pods of the
// policy's namespace by their labels.
func podLabels(sel metav1.LabelSelector) (metav1.LabelSelector, error) {
	_, pods, hasNS, err := split(sel)
	if err == nil && hasNS {
		err = unsupported("an endpointSelector naming namespace labels")
	}
	return pods, err
}

// peerOf translates a from/toEndpoints selector into a NetworkPolicy peer:
// without namespace terms Cilium limits it to the policy's namespace, as a
// NetworkPolicy peer without namespaceSelector.
func peerOf(sel metav1.LabelSelector) (networkingv1.NetworkPolicyPeer, error) {
	ns, pods, hasNS, err := split(sel)
	if err != nil {
		return networkingv1.NetworkPolicyPeer{}, err
	}
	peer := networkingv1.NetworkPolicyPeer{PodSelector: &pods}
	if hasNS {
		peer.NamespaceSelector = &ns
	}
	return peer, nil
}
