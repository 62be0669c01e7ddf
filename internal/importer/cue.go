package importer

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// str is a CUE string literal (JSON's escaping is valid CUE).
func str(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// labelsCUE is a label map with sorted keys: {"app": "web"}.
func labelsCUE(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = str(k) + ": " + str(m[k])
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// selectorCUE is a label selector in the intent language's #Selector
// form (the Kubernetes form: matchLabels and matchExpressions).
func selectorCUE(s *metav1.LabelSelector) string {
	var parts []string
	if len(s.MatchLabels) > 0 {
		parts = append(parts, "matchLabels: "+labelsCUE(s.MatchLabels))
	}
	if len(s.MatchExpressions) > 0 {
		exprs := make([]string, len(s.MatchExpressions))
		for i, e := range s.MatchExpressions {
			x := "key: " + str(e.Key) + ", operator: " + str(string(e.Operator))
			if len(e.Values) > 0 {
				vals := make([]string, len(e.Values))
				for j, v := range e.Values {
					vals[j] = str(v)
				}
				x += ", values: [" + strings.Join(vals, ", ") + "]"
			}
			exprs[i] = "{" + x + "}"
		}
		parts = append(parts, "matchExpressions: ["+strings.Join(exprs, ", ")+"]")
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// peerCUE is one NetworkPolicy peer as an intent peer; the fields map one
// to one (namespaceSelector and podSelector in one peer are ANDed in both).
func peerCUE(p networkingv1.NetworkPolicyPeer) (string, error) {
	var parts []string
	switch {
	case p.IPBlock != nil && (p.NamespaceSelector != nil || p.PodSelector != nil):
		return "", fmt.Errorf("a peer sets ipBlock together with a selector (the API server rejects it)")
	case p.IPBlock != nil:
		parts = append(parts, "cidr: "+str(p.IPBlock.CIDR))
		if len(p.IPBlock.Except) > 0 {
			ex := make([]string, len(p.IPBlock.Except))
			for i, e := range p.IPBlock.Except {
				ex[i] = str(e)
			}
			parts = append(parts, "except: ["+strings.Join(ex, ", ")+"]")
		}
	case p.NamespaceSelector == nil && p.PodSelector == nil:
		return "", fmt.Errorf("a peer sets none of podSelector, namespaceSelector and ipBlock (the API server rejects it)")
	}
	if p.NamespaceSelector != nil {
		parts = append(parts, "namespaceSelector: "+selectorCUE(p.NamespaceSelector))
	}
	if p.PodSelector != nil {
		parts = append(parts, "podSelector: "+selectorCUE(p.PodSelector))
	}
	return "{" + strings.Join(parts, ", ") + "}", nil
}

// peersCUE is a rule's peer list; none (missing or empty) is every source
// or destination, which the intent language spells {all: true}.
func peersCUE(ps []networkingv1.NetworkPolicyPeer) (string, error) {
	if len(ps) == 0 {
		return "[{all: true}]", nil
	}
	out := make([]string, len(ps))
	for i, p := range ps {
		s, err := peerCUE(p)
		if err != nil {
			return "", fmt.Errorf("peer %d: %w", i, err)
		}
		out[i] = s
	}
	return "[" + strings.Join(out, ", ") + "]", nil
}

// portsCUE is a rule's port list in the long #Port form, or "" for every
// port (none listed, as in NetworkPolicy).
func portsCUE(ps []networkingv1.NetworkPolicyPort) (string, error) {
	if len(ps) == 0 {
		return "", nil
	}
	out := make([]string, len(ps))
	for i, p := range ps {
		proto := "TCP"
		if p.Protocol != nil {
			proto = string(*p.Protocol)
		}
		parts := []string{"protocol: " + str(proto)}
		switch {
		case p.Port == nil && p.EndPort != nil:
			return "", fmt.Errorf("port %d: endPort without port (the API server rejects it)", i)
		case p.Port == nil:
		case p.Port.Type == intstr.String && p.EndPort != nil:
			return "", fmt.Errorf("port %d: endPort with the named port %q (the API server rejects it)", i, p.Port.StrVal)
		case p.Port.Type == intstr.String:
			parts = append(parts, "port: "+str(p.Port.StrVal))
		default:
			parts = append(parts, fmt.Sprintf("port: %d", p.Port.IntVal))
			if p.EndPort != nil {
				parts = append(parts, fmt.Sprintf("endPort: %d", *p.EndPort))
			}
		}
		out[i] = "{" + strings.Join(parts, ", ") + "}"
	}
	return "[" + strings.Join(out, ", ") + "]", nil
}
