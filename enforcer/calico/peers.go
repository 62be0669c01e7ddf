package calico

import (
	"net/netip"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/netpolc/netpolc/emitters/calico/calicoapi"
)

// entityPeers translates a rule's peer side in a policy of namespace ns:
// all is true when it matches everything; otherwise peers lists what it
// matches (none: nothing). A selector becomes the selector Calico
// evaluates on endpoints (libcalico-go/lib/backend/syncersv1/
// updateprocessors/rules.go, getEndpointSelector): the namespaceSelector
// on the inherited "pcns." labels, or projectcalico.org/namespace == ns
// without one, and the selector; the model applies it, as a pod selector
// across every namespace, to the endpoints' Calico labels (views).
func (rd *reader) entityPeers(ns string, e *calicoapi.EntityRule) (peers []networkingv1.NetworkPolicyPeer, all bool, err error) {
	if e == nil {
		return nil, true, nil
	}
	hasNets := len(e.Nets) > 0 || len(e.NotNets) > 0
	hasSel := e.Selector != "" || e.NamespaceSelector != ""
	switch {
	case hasNets && hasSel:
		return nil, false, unsupported("nets combined with selectors (endpoints in the nets)")
	case hasNets:
		peers, err := rd.netPeers(e.Nets, e.NotNets)
		return peers, false, err
	case !hasSel:
		return nil, true, nil
	}
	sels, err := EntitySelector(ns, e)
	if err != nil {
		return nil, false, err
	}
	for _, sel := range sels {
		rd.peers = append(rd.peers, sel)
		peers = append(peers, networkingv1.NetworkPolicyPeer{NamespaceSelector: &metav1.LabelSelector{}, PodSelector: &sel})
	}
	return peers, false, nil
}

// PolicySelector is the disjunctive form of the selector Calico evaluates
// on endpoints for the spec.selector of a NetworkPolicy in namespace ns:
// a namespaced policy applies to the endpoints of its namespace that its
// selector selects (libcalico-go/lib/backend/syncersv1/updateprocessors/
// networkpolicyprocessor.go), workload endpoints only, as host endpoints
// have no namespace label and network sets are no endpoints a policy
// applies to.
func PolicySelector(ns, selector string) ([]metav1.LabelSelector, error) {
	subjects, err := ParseSelector(selector)
	if err != nil {
		return nil, err
	}
	subjects = product(subjects, inNamespace(ns))
	return subjects, checkKeys(subjects)
}

// EntitySelector is the disjunctive form of the selector Calico evaluates
// on endpoints for a rule side (source or destination) with a selector or
// a namespaceSelector, in a policy of namespace ns ("" for a
// GlobalNetworkPolicy).
func EntitySelector(ns string, e *calicoapi.EntityRule) ([]metav1.LabelSelector, error) {
	scope := inNamespace(ns)
	if ns == "" {
		// A GlobalNetworkPolicy's rule: every endpoint, of every
		// namespace and none.
		scope = []metav1.LabelSelector{{}}
	}
	if e.NamespaceSelector != "" {
		// Calico replaces all() and global() in the printed selector,
		// string literals included.
		bare := stripStrings(e.NamespaceSelector)
		if strings.Count(e.NamespaceSelector, "all()") != strings.Count(bare, "all()") ||
			strings.Count(e.NamespaceSelector, "global()") != strings.Count(bare, "global()") {
			return nil, unsupported("namespaceSelector %q: a value holding all() or global(), which Calico rewrites", e.NamespaceSelector)
		}
		var err error
		if scope, err = parseNamespaceSelector(e.NamespaceSelector); err != nil {
			return nil, err
		}
	}
	pods := []metav1.LabelSelector{{}}
	if e.Selector != "" {
		var err error
		if pods, err = ParseSelector(e.Selector); err != nil {
			return nil, err
		}
	}
	out := product(scope, pods)
	return out, checkKeys(out)
}

// inNamespace selects the endpoints of one namespace.
func inNamespace(ns string) []metav1.LabelSelector {
	return []metav1.LabelSelector{{MatchExpressions: []metav1.LabelSelectorRequirement{
		{Key: labelNamespace, Operator: metav1.LabelSelectorOpIn, Values: []string{ns}}}}}
}

// product is the conjunction of two disjunctive forms.
func product(a, b []metav1.LabelSelector) []metav1.LabelSelector {
	var out []metav1.LabelSelector
	for _, x := range a {
		for _, y := range b {
			out = append(out, conjoin(x, y))
		}
	}
	return out
}

// stripStrings blanks out the quoted strings of a selector.
func stripStrings(s string) string {
	var b strings.Builder
	var q byte
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case q != 0 && c == q:
			q = 0
		case q != 0:
		case c == '\'' || c == '"':
			q = c
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// checkKeys refuses selectors on service accounts, which the inventory
// does not know.
func checkKeys(sels []metav1.LabelSelector) error {
	for _, s := range sels {
		for _, r := range s.MatchExpressions {
			if r.Key == hostNetworkLabel || strings.HasPrefix(r.Key, namespaceLabelPrefix+hostNetworkLabel) {
				return unsupported("selector on %q: the interpreter's own label", r.Key)
			}
			if r.Key == calicoapi.ServiceAccountLabel || strings.HasPrefix(r.Key, serviceAccountLabelPrefix) {
				return unsupported("selector on the service-account label %q: the inventory does not know service accounts", r.Key)
			}
		}
	}
	return nil
}

// netPeers turns nets minus notNets into ipBlocks.
func (rd *reader) netPeers(nets, notNets []string) ([]networkingv1.NetworkPolicyPeer, error) {
	if len(nets) == 0 {
		return nil, unsupported("notNets without nets (every address outside them, pods with unknown addresses included)")
	}
	holes := make([]netip.Prefix, 0, len(notNets))
	for _, s := range notNets {
		h, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, invalid("notNets %q: %v", s, err)
		}
		holes = append(holes, h.Masked())
	}
	var peers []networkingv1.NetworkPolicyPeer
	for _, s := range nets {
		n, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, invalid("nets %q: %v", s, err)
		}
		n = n.Masked()
		block := &networkingv1.IPBlock{CIDR: n.String()}
		covered := false
		for _, h := range holes {
			switch {
			case h.Bits() <= n.Bits() && h.Contains(n.Addr()):
				covered = true
			case n.Bits() < h.Bits() && n.Contains(h.Addr()):
				block.Except = append(block.Except, h.String())
			}
		}
		if !covered {
			peers = append(peers, networkingv1.NetworkPolicyPeer{IPBlock: block})
		}
	}
	return peers, nil
}

// parsePorts reads a rule's protocol and ports: none is every port; a
// protocol alone every port of it.
func parsePorts(protocol string, ports []intstr.IntOrString) ([]networkingv1.NetworkPolicyPort, error) {
	if protocol == "" {
		if len(ports) > 0 {
			return nil, invalid("ports need a protocol")
		}
		return nil, nil
	}
	proto := corev1.Protocol(strings.ToUpper(protocol))
	switch proto {
	case corev1.ProtocolTCP, corev1.ProtocolUDP, corev1.ProtocolSCTP:
	default:
		return nil, unsupported("protocol %q (the model knows TCP, UDP and SCTP)", protocol)
	}
	if len(ports) == 0 {
		return []networkingv1.NetworkPolicyPort{{Protocol: &proto}}, nil
	}
	var out []networkingv1.NetworkPolicyPort
	for _, p := range ports {
		np := networkingv1.NetworkPolicyPort{Protocol: &proto}
		first, last, err := portRange(p)
		switch {
		case err != nil:
			return nil, err
		case first == 0:
			name := intstr.FromString(p.StrVal)
			np.Port = &name
		default:
			v := intstr.FromInt32(first)
			np.Port = &v
			if last != first {
				np.EndPort = &last
			}
		}
		out = append(out, np)
	}
	return out, nil
}

// portRange reads a port: a number, "first:last", or a name (first 0).
func portRange(p intstr.IntOrString) (first, last int32, err error) {
	s := p.StrVal
	if p.Type == intstr.Int {
		s = strconv.Itoa(int(p.IntVal))
	}
	a, b, isRange := strings.Cut(s, ":")
	if !isRange {
		b = a
	}
	n, errA := strconv.Atoi(a)
	m, errB := strconv.Atoi(b)
	switch {
	case errA != nil && !isRange:
		if msgs := validation.IsValidPortName(s); len(msgs) > 0 {
			return 0, 0, invalid("port %q: %s", s, strings.Join(msgs, "; "))
		}
		return 0, 0, nil
	case errA != nil || errB != nil || n < 1 || m > 65535 || m < n:
		return 0, 0, invalid("port %q", s)
	}
	return int32(n), int32(m), nil
}
