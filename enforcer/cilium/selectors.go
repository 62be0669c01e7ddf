package cilium

import (
	"slices"
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
// namespace label key. identity is the key of the identity label the
// requirement reads (source k8s), for the label filter.
func classify(key string) (kind labelKind, k, identity string, err error) {
	if src, rest, ok := strings.Cut(key, ":"); ok {
		if src != ciliumapi.SourceK8s && src != ciliumapi.SourceAny {
			return 0, "", "", unsupported("label %q: source %q (only k8s and any labels are in the inventory)", key, src)
		}
		key = rest
	}
	switch {
	case key == namespaceKey:
		return namespaceName, inventory.MetadataNameLabel, key, nil
	case strings.HasPrefix(key, namespaceLabelsPrefix):
		return namespaceLabel, strings.TrimPrefix(key, namespaceLabelsPrefix), key, nil
	case strings.HasPrefix(key, "io.cilium.") || strings.HasPrefix(key, "io.kubernetes."):
		return 0, "", "", unsupported("label %q: Cilium-derived labels other than the namespace's are not in the inventory", key)
	}
	return podLabel, key, key, nil
}

// parts is a Cilium endpoint selector cut into the namespace and pod
// selectors of the model. none is set when it selects no pod: a
// requirement that a label be present (matchLabels, In, Exists) on a
// label the identity filter drops.
type parts struct {
	ns, pods metav1.LabelSelector
	hasNS    bool
	none     bool
}

// split cuts a Cilium endpoint selector into its namespace and pod parts,
// as the filter leaves the identity labels: a requirement on a dropped
// label reads the label as absent.
func (c Config) split(sel metav1.LabelSelector) (parts, error) {
	var p parts
	for k, v := range sel.MatchLabels {
		if err := c.add(&p, metav1.LabelSelectorRequirement{Key: k, Operator: metav1.LabelSelectorOpIn, Values: []string{v}}); err != nil {
			return p, err
		}
	}
	for _, e := range sel.MatchExpressions {
		if err := c.add(&p, e); err != nil {
			return p, err
		}
	}
	p.pods.MatchExpressions = append(p.pods.MatchExpressions, notReserved)
	return p, nil
}

// notReserved keeps a pod selector off the endpoints of reserved
// identities and host-network pods.
var notReserved = metav1.LabelSelectorRequirement{Key: markerKey, Operator: metav1.LabelSelectorOpDoesNotExist}

// add adds one requirement to its part.
func (c Config) add(p *parts, e metav1.LabelSelectorRequirement) error {
	kind, key, identity, err := classify(e.Key)
	if err != nil {
		return err
	}
	if !c.labels().Keeps(ciliumapi.SourceK8s, identity) {
		switch e.Operator {
		case metav1.LabelSelectorOpNotIn, metav1.LabelSelectorOpDoesNotExist:
		default:
			p.none = true
		}
		return nil // holds on every pod, or on none
	}
	e.Key = key
	if kind == podLabel {
		p.pods.MatchExpressions = append(p.pods.MatchExpressions, e)
	} else {
		p.ns.MatchExpressions, p.hasNS = append(p.ns.MatchExpressions, e), true
	}
	return nil
}

// subjectSelector reads a policy's endpointSelector, which selects pods
// of the policy's namespace by their identity labels (Cilium adds the
// namespace itself, so reserved identities and host-network pods are
// never subjects).
func (c Config) subjectSelector(sel metav1.LabelSelector) (metav1.LabelSelector, error) {
	p, err := c.split(sel)
	switch {
	case err != nil:
		return metav1.LabelSelector{}, err
	case p.hasNS:
		return metav1.LabelSelector{}, unsupported("an endpointSelector naming namespace labels")
	case p.none:
		return nothing, nil
	}
	return p.pods, nil
}

// nothing selects no endpoint.
var nothing = metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
	{Key: markerKey, Operator: metav1.LabelSelectorOpExists}, notReserved}}

// complete is a from/toEndpoints selector as Cilium completes it for a
// policy in namespace ns (pkg/k8s/apis/cilium.io/utils/utils.go,
// getEndpointSelector): without a reserved-label term, a namespace term
// or a namespace-label term it selects in ns only.
func complete(ns string, sel metav1.LabelSelector) metav1.LabelSelector {
	keys := make([]string, 0, len(sel.MatchLabels)+len(sel.MatchExpressions))
	for k := range sel.MatchLabels {
		keys = append(keys, k)
	}
	for _, e := range sel.MatchExpressions {
		keys = append(keys, e.Key)
	}
	for _, k := range keys {
		bare := k
		if src, rest, ok := strings.Cut(k, ":"); ok {
			if src == ciliumapi.SourceReserved {
				return sel
			}
			bare = rest
		}
		if bare == namespaceKey || strings.HasPrefix(bare, namespaceLabelsPrefix) {
			return sel
		}
	}
	out := sel
	if ns == "" { // a clusterwide policy: pods of every namespace
		out.MatchExpressions = append(slices.Clone(sel.MatchExpressions),
			metav1.LabelSelectorRequirement{Key: ciliumapi.NamespaceLabel, Operator: metav1.LabelSelectorOpExists})
		return out
	}
	out.MatchLabels = map[string]string{ciliumapi.NamespaceLabel: ns}
	for k, v := range sel.MatchLabels {
		out.MatchLabels[k] = v
	}
	return out
}

// peerOf translates a completed from/toEndpoints selector into a
// NetworkPolicy peer for the pods it selects (ok false: none).
func (c Config) peerOf(sel metav1.LabelSelector) (peer networkingv1.NetworkPolicyPeer, ok bool, err error) {
	p, err := c.split(sel)
	if err != nil || p.none {
		return peer, false, err
	}
	peer = networkingv1.NetworkPolicyPeer{PodSelector: &p.pods, NamespaceSelector: &p.ns}
	if !p.hasNS {
		peer.NamespaceSelector = nil
	}
	return peer, true, nil
}

// reservedPeer matches the endpoints of the given reserved nodes.
func reservedPeer(nodes []string) networkingv1.NetworkPolicyPeer {
	return networkingv1.NetworkPolicyPeer{NamespaceSelector: &metav1.LabelSelector{},
		PodSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
			{Key: markerKey, Operator: metav1.LabelSelectorOpIn, Values: nodes}}}}
}
