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
	"github.com/netpolc/netpolc/internal/inventory"
)

// entityPeers translates a rule's peer side: all is true when it matches
// everything; otherwise peers lists what it matches (none: nothing).
func entityPeers(e *calicoapi.EntityRule) (peers []networkingv1.NetworkPolicyPeer, all bool, err error) {
	if e == nil {
		return nil, true, nil
	}
	hasNets := len(e.Nets) > 0 || len(e.NotNets) > 0
	hasSel := e.Selector != "" || e.NamespaceSelector != ""
	switch {
	case hasNets && hasSel:
		return nil, false, unsupported("nets combined with selectors (endpoints in the nets)")
	case hasNets:
		peers, err := netPeers(e.Nets, e.NotNets)
		return peers, false, err
	case !hasSel:
		return nil, true, nil
	}
	pods, err := ParseSelector(e.Selector)
	if err == nil {
		err = checkPodKeys(pods)
	}
	if err != nil {
		return nil, false, err
	}
	if e.NamespaceSelector == "" {
		for _, p := range pods {
			peers = append(peers, networkingv1.NetworkPolicyPeer{PodSelector: &p})
		}
		return peers, false, nil
	}
	nss, err := ParseSelector(e.NamespaceSelector)
	if err != nil {
		return nil, false, err
	}
	for _, ns := range nss {
		ns, err := namespaceKeys(ns)
		if err != nil {
			return nil, false, err
		}
		for _, p := range pods {
			peers = append(peers, networkingv1.NetworkPolicyPeer{NamespaceSelector: &ns, PodSelector: &p})
		}
	}
	return peers, false, nil
}

// namespaceKeys maps Calico's namespace-name label to the metadata-name
// label the inventory holds.
func namespaceKeys(sel metav1.LabelSelector) (metav1.LabelSelector, error) {
	out := metav1.LabelSelector{}
	for _, r := range sel.MatchExpressions {
		switch {
		case r.Key == calicoapi.NamespaceNameLabel:
			r.Key = inventory.MetadataNameLabel
		case strings.HasPrefix(r.Key, "projectcalico.org/"):
			return out, unsupported("namespace selector on Calico's label %q", r.Key)
		}
		out.MatchExpressions = append(out.MatchExpressions, r)
	}
	return out, nil
}

// netPeers turns nets minus notNets into ipBlocks.
func netPeers(nets, notNets []string) ([]networkingv1.NetworkPolicyPeer, error) {
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
